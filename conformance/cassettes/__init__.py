"""Cassettes: record a conformance run once, replay it offline (no key, no network) and re-validate it later.

Built on vcrpy (its ``Cassette``, YAML serializer, filesystem persister and
matcher protocol) with a transport of our own under the suite's httpx client,
so streamed answers keep their chunk boundaries. See ``docs/cassettes.md``.

* :mod:`.recorder`: one cassette per scenario and revision, record modes, metadata;
* :mod:`.transport`: the httpx transport that records and replays;
* :mod:`.matching`: what makes two requests "the same" on replay;
* :mod:`.scrub`: what never reaches disk;
* :mod:`.storage`: the file format;
* :mod:`.replay`: ``--target replay`` and the network block;
* :mod:`.check`: ``iconf cassettes check``.
"""

from .recorder import MODES, CassetteRecorder, cassette_path, cassette_stem, scenario_name
from .scrub import Scrubber, SecretLeakError
from .transport import CassetteMiss, CassetteTransport

__all__ = ["MODES", "CassetteMiss", "CassetteRecorder", "CassetteTransport", "Scrubber", "SecretLeakError",
           "cassette_path", "cassette_stem", "scenario_name"]
