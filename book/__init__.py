"""The HTML edition of the collection in both languages: build.py stages and builds it
with Sphinx (conf.py) and checks the HTML it wrote; check.py opens it in headless Chromium."""
