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
# Mainland terms that read as Simplified Chinese run through a converter, not as Taiwan usage:
# each one is wrong in every entry of zh_TW.po (the Taiwan term in the comment), so no
# translation may contain it. Terms that are right in some senses (文件 a document, 項目 an
# item, 程序 a procedure, 支持 to back, 導入 to adopt, 保存 to preserve, 消息 news, 當前) are
# tested below against the English they translate instead, or not at all.
TW_FORBIDDEN = (
    "反馈",  # feedback: 回饋
    "反饋",
    "渠道",  # a sales channel: 通路 (通路夥伴, 通路經理)
    "伙伴",  # partner: 夥伴
    "配置",  # configuration, settings: 設定
    "信息",  # information: 資訊; a message: 訊息
    "数据",  # data: 資料
    "數據",
    "用户",  # user: 使用者
    "用戶",
    "默认",  # default: 預設
    "默認",
    "网络",  # network: 網路
    "網絡",
    "质量",  # quality: 品質 (質量 is a mass)
    "質量",
    "技術支持",  # support (a service): 支援
    "培訓支持",
    "导出",  # export: 匯出
    "導出",
    "打印",  # print: 列印
    "賬",  # account, bill: 帳 (帳號, 帳單, 日記帳)
    "响应",  # response time: 回應
    "響應",
    "分拣",  # triage: 初審 (分揀 is parcel sorting)
    "分揀",
    "審批",  # approval: 核准
    "应用程序",  # application: 應用程式
    "應用程序",
    "软件",  # software: 軟體
    "軟件",
    "视频",  # video: 影片
    "視頻",
    "短信",  # text message: 簡訊
    "定製",  # customisation: 客製化
    "门户",  # portal: 入口網站
    "門戶",
    "紅字發票",  # credit note: 貸記單, as in Odoo's own zh_TW
    "郵編",  # zip code: 郵遞區號
    "只讀",  # read-only: 唯讀
    "幣種",  # currency: 幣別
    "贏單",  # won (deal): 成交
    "丟單",  # lost (deal): 損失, as in Odoo's own zh_TW CRM
    "在談收入",  # revenue at stake: 洽談中收入
    "閾值",  # threshold: 門檻
    "小票",  # receipt: 收據
    "門店",  # store: 門市
    "獨傢",  # OpenCC artefact: 独家伙伴 read as 獨傢伙伴
    "運算元",  # OpenCC artefact: 操作数量 read as 運算元量
    "適用物件",  # OpenCC artefact: 对象 (the parties a rule applies to) read as 物件
    "升級物件",
)
# (English words of an entry, term that must not translate them in zh_TW.po)
TW_FORBIDDEN_FOR = (
    (r"\bprojects?\b", "項目"),  # a project is a 專案; 項目 is an item (日記帳項目)
    (r"\bfiles?\b", "文件"),  # a file is a 檔案; 文件 is a document
    (r"\bsav(?:e|es|ed|ing)\b", "保存"),  # to save is 儲存; 保存 is to preserve
    (r"\bmessages?\b", "消息"),  # a chatter message is a 訊息
    (r"\bmessages?\b", "資訊"),
    (r"\bpass(?:ed|es)?\b", "透過"),  # passing a course or an approval is 通過; 透過 is "via"
)
# a Chinese sentence in zh_TW.po uses full-width punctuation and Taiwan's 「」 quotes
TW_HALF_WIDTH = re.compile(r"[\u4e00-\u9fff][,;:?!]|[“”‘’]")
CN_FORBIDDEN = (
    "分拣",  # triage: 初审 / 需求初审 (分拣 is parcel sorting)
    "分揀",
)
# 渠道 is a sales channel (渠道伙伴, 渠道经理), never Odoo's pipeline
CN_FORBIDDEN_FOR = ((r"\bpipelines?\b", "渠道"),)
OCCURRENCE = re.compile(r"^model(?:_terms)?:[\w.]+,\w+:" + MODULE + r"\.(\w+)$")


def _po(name):
    return polib.pofile(file_path(f"{MODULE}/i18n/{name}"))


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(TRANSLATED_ATTRIBUTE.sub(r'\1=""', text)))


def _strip_markup(text):
    """The text a reader sees: tags, QWeb expressions and placeholders left out."""
    return re.sub(r"<[^>]*>|\{\{.*?\}\}|%\([a-z_0-9]+\)[sdf]", " ", text)


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

    def _wrong_terms(self, lang, forbidden, forbidden_for):
        wrong = []
        for entry in _po(f"{lang}.po"):
            if entry.obsolete or not entry.msgstr:
                continue
            text, source = entry.msgstr, entry.msgid
            wrong += [f"{term}: {source[:60]!r}" for term in forbidden if term in text]
            wrong += [
                f"{term}: {source[:60]!r}"
                for english, term in forbidden_for
                if term in text and re.search(english, source, re.IGNORECASE)
            ]
        return wrong

    def test_taiwan_terms(self):
        """zh_TW reads as Taiwan usage (回饋, 通路, 設定, 「」), not as converted mainland text."""
        self.assertFalse(
            self._wrong_terms("zh_TW", TW_FORBIDDEN, TW_FORBIDDEN_FOR),
            "mainland terms in zh_TW.po (see TW_FORBIDDEN in this test for the Taiwan term)",
        )
        punctuation = [
            entry.msgid[:60]
            for entry in _po("zh_TW.po")
            if not entry.obsolete and TW_HALF_WIDTH.search(_strip_markup(entry.msgstr))
        ]
        self.assertFalse(punctuation, "half-width punctuation or “” quotes in zh_TW.po")

    def test_simplified_chinese_terms(self):
        """zh_CN says 初审 for triage (not 分拣, parcel sorting) and 渠道 only for channels."""
        self.assertFalse(
            self._wrong_terms("zh_CN", CN_FORBIDDEN, CN_FORBIDDEN_FOR),
            "wrong terms in zh_CN.po (see CN_FORBIDDEN in this test)",
        )


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


@tagged("post_install", "-at_install")
class TestTaiwanFillAfterExport(TransactionCase):
    """`make pot` exports zh_TW.po from a database whose translations of the models the
    addon extends come from core's zh_TW catalogs (配置設定, 日記賬記項, 日記賬項目):
    tools/i18n_fill_tw.py, run right after the export, must turn those into Taiwan usage,
    or the next `make pot` makes test_taiwan_terms fail again."""

    def _fill_tw(self):
        import importlib.util  # noqa: PLC0415 (a tool of the repository, not of the addon)
        from pathlib import Path  # noqa: PLC0415

        path = Path(file_path(MODULE)).parent / "tools" / "i18n_fill_tw.py"
        spec = importlib.util.spec_from_file_location("i18n_fill_tw", path)
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
        return tool

    def test_database_terms_brought_back_by_the_export_are_fixed(self):
        import tempfile  # noqa: PLC0415
        from pathlib import Path  # noqa: PLC0415

        exported = {  # what the export writes for these entries (core's zh_TW)
            "Config Settings": "配置設定",
            "Journal Entry": "日記賬記項",
            "Journal Item": "日記賬項目",
            "Channel feedback": "渠道反饋",
        }
        hand_written = {"Project": "專案", "Tracking": "追蹤"}  # kept as they are
        with tempfile.TemporaryDirectory() as tmp:
            for lang, entries in (
                ("zh_CN", {"New level": "新等级"}),
                ("zh_TW", {**exported, **hand_written, "New level": ""}),
            ):
                catalog = polib.POFile()
                catalog.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
                for msgid, msgstr in entries.items():
                    catalog.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
                catalog.save(str(Path(tmp) / f"{lang}.po"))
            self._fill_tw().main(tmp)
            result = {e.msgid: e.msgstr for e in polib.pofile(str(Path(tmp) / "zh_TW.po"))}
        self.assertEqual(result["Config Settings"], "設定")
        self.assertEqual(result["Journal Entry"], "日記帳分錄")
        self.assertEqual(result["Journal Item"], "日記帳項目")
        self.assertEqual(result["Channel feedback"], "通路回饋")
        self.assertEqual(result["Project"], "專案", "a hand-written translation is kept")
        self.assertEqual(result["Tracking"], "追蹤")
        self.assertEqual(result["New level"], "新等級", "an empty entry is derived from zh_CN")
        wrong = [term for text in result.values() for term in TW_FORBIDDEN if term in text]
        self.assertFalse(wrong)
