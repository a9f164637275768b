import ast
from pathlib import Path

from odoo.tests import tagged

from odoo.addons.sales_pm_collab import tests as test_package

from .common import MODULE, CollabCommon


@tagged("post_install", "-at_install")
class TestInstall(CollabCommon):
    def test_manifest_contract(self):
        module = self.env["ir.module.module"].search([("name", "=", MODULE)])
        self.assertEqual(module.state, "installed")
        self.assertEqual(module.shortdesc, "Sales & Product Collaboration")
        self.assertEqual(module.latest_version, "19.0.1.0.0")
        self.assertEqual(module.license, "LGPL-3")
        self.assertTrue(module.application)
        self.assertEqual(module.category_id, self.env.ref("base.module_category_sales_crm"))
        deps = set(module.dependencies_id.mapped("name"))
        self.assertEqual(
            deps,
            {
                "crm",
                "sale_management",
                "sale_crm",
                "partnership",
                "portal",
                "rating",
                "spreadsheet_dashboard",
            },
        )

    def test_every_model_has_access_rules(self):
        """A model of the addon without an access row is unusable (and logs a warning).

        Models the addon only extends belong to several modules and keep their own rules.
        """
        ours = (
            self.env["ir.model"]
            .search([])
            .filtered(
                lambda m: (
                    (m.modules or "").split(", ") == [MODULE] and not self.env[m.model]._abstract
                )
            )
        )
        access = self.env["ir.model.access"].search([("model_id", "in", ours.ids)])
        without = set(ours.mapped("model")) - set(access.mapped("model_id.model"))
        self.assertFalse(without, f"models without access rules: {sorted(without)}")

    def test_every_test_module_is_imported(self):
        """Odoo's own runner (used for the HttpCase tours) only sees the test modules
        that tests/__init__.py imports, itself or through the package of each area
        (`from .<area> import *`); pytest would collect a forgotten one anyway, so the
        imports are read from the source, not from the loaded package."""
        folder = Path(test_package.__file__).parent
        packages = [folder, *(path.parent for path in sorted(folder.glob("*/__init__.py")))]
        self.assertGreater(len(packages), 1)
        star_imported = set()
        for package in packages:
            files = {path.stem for path in package.glob("test_*.py")}
            tree = ast.parse((package / "__init__.py").read_text())
            imported = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    names = {alias.name for alias in node.names}
                    if names == {"*"} and node.level == 1 and node.module:
                        star_imported.add(node.module)
                    imported |= names
            with self.subTest(package=package.name):
                self.assertTrue(files)
                self.assertEqual(files - imported, set())
        self.assertEqual({package.name for package in packages[1:]} - star_imported, set())
