"""The conformance suite: pytest scenarios shipped in the package, the plugin that runs them, and `iconf run`."""
