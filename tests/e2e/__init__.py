"""Browser tests: the dashboard in a real (headless) chromium. Run apart: `pytest tests/e2e`."""
