"""Fill the empty entries of zh_TW.po from zh_CN.po, converted with OpenCC (s2twp).

zh_CN.po is translated by hand; Traditional Chinese (Taiwan phrasing) is derived from it
for every entry zh_TW.po does not translate yet. Existing zh_TW translations are kept,
so a hand-corrected term is never overwritten. Run by `make pot` with the .venv python.
"""

import sys
from pathlib import Path

import polib
from opencc import OpenCC

# Taiwan usage OpenCC's s2twp leaves in mainland form (or over-converts), applied in order
TW_TERMS = (
    ("紅字發票（貸項通知單）", "貸記單"),  # credit note: Odoo's own zh_TW term
    ("紅字發票", "貸記單"),
    ("賬", "帳"),  # 帳單, 日記帳, 帳款
    ("郵編", "郵遞區號"),
    ("只讀", "唯讀"),
    ("幣種", "幣別"),
    ("推程序度", "推進程度"),  # s2twp turns 进程 (progress) into 程序 (program)
    ("迴款", "回款"),
    ("型別", "類型"),  # 型別 is a data type; a kind of feedback or channel is a 類型
    # s2twp reads every 通过 as "by way of" (透過); passing a course or an approval is 通過
    ("未透過", "未通過"),
    ("已透過", "已通過"),
    ("須透過", "須通過"),
    ("審批透過", "審批通過"),  # 回款率 (collection rate) is no 迴 (turn back)
    ("專案", "項目"),  # 项目 here is always an item (日記帳項目), never a project
)


# whole translations that differ from a part of a longer one
TW_WHOLE = {"透過": "通過"}  # "Passed" (a training)


def to_taiwan(text, convert):
    text = convert(text)
    for mainland, taiwan in TW_TERMS:
        text = text.replace(mainland, taiwan)
    return TW_WHOLE.get(text, text)


def main(i18n_dir):
    i18n = Path(i18n_dir)
    simplified = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(i18n / "zh_CN.po")}
    untranslated = sum(1 for msgstr in simplified.values() if not msgstr)
    tw_path = i18n / "zh_TW.po"
    traditional = polib.pofile(tw_path, wrapwidth=78)
    convert = OpenCC("s2twp").convert
    filled = 0
    for entry in traditional:
        source = simplified.get((entry.msgctxt, entry.msgid))
        if not entry.msgstr and source:
            entry.msgstr = to_taiwan(source, convert)
            filled += 1
    traditional.save(tw_path)
    print(f"zh_TW.po: {filled} entries filled from zh_CN.po; zh_CN.po untranslated: {untranslated}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
