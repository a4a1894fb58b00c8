"""The surface a profile declares: its OpenAPI document plus the tables in the profile itself.

The profile's data (status machine, event grammar, block/step and delta tables) can be wider than
its document: tolerated statuses come from newer typings than the document, so both count as
"in the profile". Each item says where it was found.
"""

from __future__ import annotations

from ..profiles import Profile
from .loader import load_openapi
from .surface import Graph, Surface, extract

__all__ = ["profile_surface"]


def profile_surface(profile: Profile, schema: str | None = None) -> Surface:
    doc = load_openapi(schema or profile.schema_path)
    schemas = dict(doc.schemas)
    name = doc.path.name
    graph = Graph(schemas, {k: f"{name}#/components/schemas/{k}" for k in schemas})
    events = "InteractionSseEvent" if "InteractionSseEvent" in schemas else None
    surface = extract(graph, label=f"profile {profile.name}", resource=profile.resource_component,
                      create=list(profile.request_components.values()), events=events,
                      items_field=profile.items_field, block_delta=profile.grammar.block_delta)
    here = f"conformance/profiles ({profile.name})"
    for status in sorted(profile.status.statuses | profile.status.tolerated):
        surface.add(f"status {status}", f"{here}: status machine")
    for event in sorted(profile.grammar.names):
        surface.add(f"event {event}", f"{here}: grammar")
    item_kind = "step" if profile.items_field == "steps" else "content"
    for block in sorted(profile.blocks):
        surface.add(f"{item_kind} {block}", f"{here}: blocks")
    for delta in sorted(profile.deltas):
        surface.add(f"delta {delta}", f"{here}: deltas")
    for content in sorted(profile.content_types):
        surface.add(f"content {content}", f"{here}: content_types")
    return surface
