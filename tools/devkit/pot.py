"""make pot: regenerate the .pot and the zh_CN / zh_TW .po files of the addon."""

import shutil
import tempfile
from pathlib import Path

from .cluster import running_cluster
from .common import ADDON, ROOT, STATE, TEST_DB, run, say, venv_python
from .odoo import bootstrap, free_port, install_addon, write_config


def cmd_pot():
    """A database with the addon and both languages is exported by Odoo itself: the .po
    files keep their current translations and get the new terms, empty."""
    odoo_root = bootstrap()
    db = f"{TEST_DB}_pot"
    with running_cluster() as cluster:
        config = write_config("odoo-test.conf", odoo_root, cluster, free_port())
        try:
            cluster.drop_db(db)
            install_addon(config, db, demo=False, log_name="pot-install.log")
            _export(config, db)
        finally:
            cluster.drop_db(db)
    run([str(venv_python()), str(ROOT / "tools" / "i18n_fill_tw.py"), str(ROOT / ADDON / "i18n")])
    say(f"wrote {ADDON}/i18n/{ADDON}.pot, zh_CN.po and zh_TW.po")


def _export(config, db):
    i18n = ROOT / ADDON / "i18n"
    outputs = {"pot": f"{ADDON}.pot", "zh_CN": "zh_CN.po", "zh_TW": "zh_TW.po"}
    with tempfile.TemporaryDirectory(dir=STATE) as tmp:
        # Odoo reads the translations of code terms from the addon's own .po files while
        # it exports: exporting into those files would empty them first and lose every
        # translated error message, so export aside and move the results in.
        for lang, name in outputs.items():
            run(
                [
                    str(venv_python()),
                    "-m",
                    "odoo",
                    "i18n",
                    "export",
                    "-c",
                    str(config),
                    "-d",
                    db,
                    "-l",
                    lang,
                    "-o",
                    str(Path(tmp) / name),
                    "--",
                    ADDON,
                ],
                cwd=ROOT,
            )
        for name in outputs.values():
            shutil.move(Path(tmp) / name, i18n / name)
