"""The project's tooling, apart from the teaching package utils/: the notebook format
(notebook_format), the Chinese edition (translations), the Going deeper tags (tags) and
the main-path sizes (sizes). Run them as `python -m tools.<name>` or through make."""
