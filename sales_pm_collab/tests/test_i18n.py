"""The translation files are current and complete, and Chinese users get them.

`make pot` regenerates the .pot and the .po files from a database without demo data; these
tests export the same terms from the test database and compare them with the committed files,
so a new field label, help text, error message or view text without a translation fails here.
"""

import io
import re

import polib
from lxml import etree

from odoo.exceptions import UserError
from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_open, file_path
from odoo.tools.translate import trans_export

MODULE = "sales_pm_collab"
LANGS = ("zh_CN", "zh_TW")
# placeholders, HTML tags and entities that a translation must keep exactly
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdf]|%[sd]|\{[a-z_0-9]*\}|<[a-zA-Z/][^>]*>|&[a-z]+;")
# attributes whose text is translated inside a tag (icons' labels, images' alt texts)
TRANSLATED_ATTRIBUTE = re.compile(r'\b(aria-label|title|alt|placeholder)="[^"]*"')
# the same in Chinese: OCA's po-pretty-format (make lint) leaves such entries empty
SAME_IN_CHINESE = {
    "ID",
    "RICE",
    "feedback",  # the example e-mail alias
    "FB/<year>/<number>",
    '<span invisible="not feedback_alias_domain">@</span>',
}
OCCURRENCE = re.compile(r"^model(?:_terms)?:[\w.]+,\w+:" + MODULE + r"\.(\w+)$")


def _po(name):
    return polib.pofile(file_path(f"{MODULE}/i18n/{name}"))


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(TRANSLATED_ATTRIBUTE.sub(r'\1=""', text)))


def _key(entry):
    return (entry.msgctxt or "", entry.msgid)


@tagged("post_install", "-at_install")
class TestTranslationFiles(TransactionCase):
    def _demo_xmlids(self):
        """Records created by the demo files: their texts are not in the .pot (like OCA).

        A record of a model with `_inherits` (a product.product) also creates its parent
        (the product.template), whose xml id ends with the parent's table.
        """
        xmlids = set()
        for path in get_manifest(MODULE)["demo"]:
            with file_open(f"{MODULE}/{path}", "rb") as demo:
                tree = etree.parse(demo)
            for node in tree.iterfind(".//record"):
                xmlid = node.get("id").split(".")[-1]
                xmlids.add(xmlid)
                for parent in self.env[node.get("model")]._inherits:
                    xmlids.add(f"{xmlid}_{self.env[parent]._table}")
        return xmlids

    def _exported(self):
        buffer = io.BytesIO()
        self.assertTrue(trans_export(None, [MODULE], buffer, "po", self.env))
        return polib.pofile(buffer.getvalue().decode())

    def test_pot_is_current(self):
        """Every term of the installed addon is in the committed .pot, and nothing stale."""
        demo = self._demo_xmlids()
        exported = self._exported()
        required, present = set(), set()
        for entry in exported:
            present.add(_key(entry))
            demo_only = all(
                (match := OCCURRENCE.match(where)) and match.group(1) in demo
                for where, _line in entry.occurrences
            )
            if not demo_only:
                required.add(_key(entry))
        committed = {_key(entry) for entry in _po(f"{MODULE}.pot") if not entry.obsolete}
        missing = sorted(msgid for _ctx, msgid in required - committed)
        stale = sorted(msgid for _ctx, msgid in committed - present)
        self.assertFalse(missing, "terms missing from the .pot: run `make pot`")
        self.assertFalse(stale, "terms in the .pot that the addon no longer has: run `make pot`")

    def test_po_files_complete_and_well_formed(self):
        """zh_CN and zh_TW translate every term of the .pot, keeping placeholders and tags."""
        template = {_key(entry) for entry in _po(f"{MODULE}.pot") if not entry.obsolete}
        for lang in LANGS:
            with self.subTest(lang=lang):
                catalog = {_key(e): e for e in _po(f"{lang}.po") if not e.obsolete}
                self.assertFalse(
                    sorted(msgid for _ctx, msgid in template - set(catalog)),
                    f"terms of the .pot missing from {lang}.po: run `make pot`",
                )
                untranslated = sorted(
                    entry.msgid
                    for key, entry in catalog.items()
                    if key in template
                    and (
                        "fuzzy" in entry.flags
                        or (not entry.msgstr.strip() and entry.msgid not in SAME_IN_CHINESE)
                    )
                )
                self.assertFalse(untranslated, f"untranslated or fuzzy terms in {lang}.po")
                broken = [
                    entry.msgid
                    for entry in catalog.values()
                    if entry.msgstr and _placeholders(entry.msgid) != _placeholders(entry.msgstr)
                ]
                self.assertFalse(broken, f"placeholders or tags changed in {lang}.po")


@tagged("post_install", "-at_install")
class TestChineseUsers(TransactionCase):
    """The languages are loaded by `make test`: users see the addon in their language."""

    def _field_label(self, model, name, lang):
        field = self.env["ir.model.fields"]._get(model, name)
        return field.with_context(lang=lang).field_description

    def test_channel_terms(self):
        self.assertEqual(self._field_label("res.partner", "channel_type", "en_US"), "Channel Type")
        for lang, collection, distributor in (
            ("zh_CN", "回款率", "一级分销商"),
            ("zh_TW", "回款率", "一級分銷商"),
        ):
            with self.subTest(lang=lang):
                label = self._field_label("res.partner.grade", "min_collection_rate", lang)
                self.assertIn(collection, label)
                selection = dict(
                    self.env["ir.model.fields"]
                    .with_context(lang=lang)
                    .get_field_selection("res.partner", "channel_type")
                )
                self.assertEqual(selection["distributor_l1"], distributor)

    def test_error_messages_in_the_users_language(self):
        """A code string (an error raised to the user) comes out in Simplified Chinese."""
        requirement = self.env["product.requirement"].create({"name": "Test 直播功能"})
        with self.assertRaises(UserError) as caught:
            requirement.with_context(lang="zh_CN").action_merge_into(requirement.id)
        self.assertRegex(str(caught.exception), r"[\u4e00-\u9fff]")
