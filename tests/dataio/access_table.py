"""Who may use the import endpoints (see tests/test_access_matrix.py and docs/dataio.md).

Which kinds each role may import is decided per kind by portal.authz.dataio.can_import
(tested in tests/dataio/test_import_web.py).
"""

IMPORTERS = {"admin", "procurement", "protection_manager"}

EXPECTED = {
    "dataio.index": IMPORTERS,
    "dataio.template": IMPORTERS,
    "dataio.detail": IMPORTERS,
    "dataio.progress": IMPORTERS,
    "dataio.apply": IMPORTERS,
}
