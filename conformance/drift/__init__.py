"""Drift: how OpenAPI documents differ (``iconf schema diff``) and how far a profile lags an SDK (``iconf drift``)."""
