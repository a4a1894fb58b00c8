"""Scenario catalogue. Each test carries ``@pytest.mark.iconf(area=..., rules=[...], needs=[...])``."""
