"""Fill the empty entries of zh_TW.po from zh_CN.po, converted with OpenCC (s2twp).

zh_CN.po is translated by hand; Traditional Chinese (Taiwan phrasing) is derived from it
for every entry zh_TW.po does not translate yet. Existing zh_TW translations are kept,
so a hand-corrected term is never overwritten. Run by `make pot` with the .venv python.

s2twp changes the script and some vocabulary (软件 -> 軟體, 打印 -> 列印, 默认 -> 預設,
用户 -> 使用者, 信息 -> 資訊/訊息, 导出 -> 匯出, 网络 -> 網路) but leaves mainland business
terms alone and mis-segments a few phrases. TW_TERMS brings a derived entry to the glossary
the hand-reviewed zh_TW.po follows, so that a new string reads like the others:

    mainland (s2twp output)      Taiwan               note
    反饋                          回饋                 feedback
    渠道 / 伙伴                   通路 / 夥伴          channel partner: 通路夥伴, 通路經理
    配置                          設定                 configuration, settings
    當前                          目前
    響應                          回應                 response time
    審批 / 批准                   核准                 approval
    歸檔                          封存                 Odoo's zh_TW: Archive = 封存
    定製                          客製                 customisation: 客製化
    增長                          成長                 growth
    計提                          應計                 accrual
    閾值                          門檻                 threshold
    暫無                          尚無
    贏單 / 丟單                   成交 / 損失          Odoo's zh_TW CRM: Won 成交, Lost 已損失
    在談收入                      洽談中收入           revenue at stake
    紅字發票                      貸記單               credit note, as Odoo's zh_TW
    賬                            帳                   帳單, 日記帳, 帳款
    優先順序                      優先等級             priority (as Odoo's zh_TW CRM)
    策略 / 戰略                   政策 / 策略          SLA policy / product strategy
    條 (records)                  筆                   一筆回饋, 200,000 筆記錄
    按 (by)                       依                   依公司工作日曆計算
    “ ” ‘ ’                       「 」 『 』          Taiwan quotes
    分揀                          初審                 triage (zh_CN should say 初审)

A few mappings depend on what this addon's strings mean, and must be revisited if that
changes: 项目 is always an item here (日記帳項目), never a project, so s2twp's 專案 goes
back to 項目 (a new string about a project needs a hand-written 專案 in zh_TW.po); 策略 is
only ever an SLA policy; 行 and 列 only ever a line of a settlement or a kanban column.
The test test_i18n.py::test_taiwan_terms lists the terms that must never reach zh_TW.po.
"""

import re
import sys
from pathlib import Path

import polib
from opencc import OpenCC

# Taiwan usage OpenCC's s2twp leaves in mainland form (or over-converts), applied in order:
# a longer phrase comes before the words it contains
TW_TERMS = (
    ("紅字發票（貸項通知單）", "貸記單"),  # credit note: Odoo's own zh_TW term
    ("紅字發票", "貸記單"),
    ("賬", "帳"),  # 帳單, 日記帳, 帳款
    ("郵編", "郵遞區號"),
    ("只讀", "唯讀"),
    ("幣種", "幣別"),
    ("推程序度", "推進程度"),  # s2twp turns 进程 (progress) into 程序 (program)
    ("迴款", "回款"),  # 回款率 (collection rate) is no 迴 (turn back)
    ("型別", "類型"),  # 型別 is a data type; a kind of feedback or channel is a 類型
    # s2twp reads every 通过 as "by way of" (透過); passing a course or an approval is 通過
    ("未透過電子郵件", "未以電子郵件"),  # not sent by e-mail
    ("審批透過後", "核准後"),
    ("審批透過", "核准"),
    ("未透過", "未通過"),
    ("已透過", "已通過"),
    ("須透過", "須通過"),
    ("專案", "項目"),  # 项目 here is always an item (日記帳項目), never a project
    ("“", "「"),
    ("”", "」"),
    ("‘", "『"),
    ("’", "』"),
    ("獨傢伙伴", "獨家夥伴"),  # s2twp segments 独家伙伴 as 獨傢伙伴
    ("伙伴", "夥伴"),
    ("您反饋的問題", "您回報的問題"),
    ("並在此反饋意見", "並在此提供回饋意見"),
    ("並反饋意見", "並提供回饋"),
    ("反饋", "回饋"),
    ("渠道", "通路"),
    ("配置設定", "設定"),
    ("配置", "設定"),
    ("當前", "目前"),
    ("響應", "回應"),
    ("審批", "核准"),
    ("批准", "核准"),
    ("物件", "對象"),  # 对象 here is who a rule applies to, not an object
    ("歸檔", "封存"),
    ("定製", "客製"),
    ("跟蹤", "追蹤"),
    ("生成", "產生"),
    ("已計提返利", "應計返利"),
    ("返利計提", "應計返利"),
    ("計提", "應計"),
    ("閾值", "門檻"),
    ("暫無", "尚無"),
    ("人周", "人週"),
    ("工作周", "工作週"),
    ("發貨", "出貨"),
    ("贏單商機", "已成交商機"),
    ("贏單收入", "成交收入"),
    ("贏單", "成交"),
    ("丟單商機", "已損失商機"),
    ("丟單收入", "損失收入"),
    ("丟失原因", "損失原因"),
    ("丟單", "損失"),
    ("也可按需", "也可視需要"),
    ("匹配度", "相符度"),
    ("匹配數", "相符數"),
    ("沒有匹配的", "沒有符合條件的"),
    ("匹配", "符合"),
    ("關鍵詞", "關鍵字"),
    ("門店", "門市"),
    ("電子表格", "試算表"),
    ("影象", "圖像"),
    ("運算元量", "動作數量"),  # s2twp segments 操作数量 as 運算元量
    ("嚮導", "精靈"),
    ("丟棄", "捨棄"),
    ("描述", "說明"),
    ("關注者", "關注人"),
    ("重置", "重設"),
    ("郵箱地址", "電子郵件地址"),
    ("郵箱", "電子郵件"),
    ("開具", "開立"),
    ("小票", "收據"),
    ("執行良好", "運作良好"),  # 运行 (runs) is no 執行 (executes)
    ("停止工作", "停止運作"),
    ("紙質", "紙本"),
    ("使用場景", "使用情境"),
    ("好訊息", "好消息"),  # good news, not a message
    ("登錄", "登記"),
    ("優先順序", "優先等級"),
    ("策略", "政策"),  # an SLA policy
    ("戰略", "策略"),  # a product strategy
    ("高在談收入", "高額洽談中收入"),
    ("在談收入", "洽談中收入"),
    ("線索", "潛在商機"),  # Odoo's zh_TW: Lead
    ("市場基金", "行銷基金"),
    ("提示資訊", "工具提示"),
    ("審計追溯", "審計追蹤"),  # audit trail, as Odoo's zh_TW accounting
    ("搭建", "建立"),
    ("標籤頁", "頁籤"),
    ("去重", "不重複"),
    ("尊敬的", "親愛的"),
    ("祝好！", "敬祝 商祺"),
    ("發件人", "寄件人"),
    ("會議紀要", "會議記錄"),
    ("服務級別", "服務等級"),
    ("升級級別", "升級層級"),
    ("明細行數", "明細筆數"),
    ("行類型", "明細類型"),
    ("明細行", "明細"),
    ("結算行", "結算明細"),
    ("發票行", "發票明細"),
    ("調整行", "調整明細"),
    ("看板中的列", "看板中的欄"),  # 列 is a row in Taiwan, a column (欄) in mainland usage
    ("已計劃", "已規劃"),
    ("納入計劃", "排入規劃"),
    ("計劃釋出日期", "預定釋出日期"),
    ("計劃日期", "預定日期"),
    ("釋出說明", "版本說明"),  # release notes
    ("釋出了訊息", "張貼了訊息"),  # 发布 a message is to post it, not to release it
    ("釋出到", "張貼到"),
    ("演示", "示範"),
    ("增長", "成長"),
    ("別名域名", "別名網域"),
    ("核銷", "沖銷"),  # reconcile
    ("已開票", "已開立發票"),  # Odoo's zh_TW: Invoiced
    ("上限封頂", "上限"),
    ("封頂前", "套用上限前"),
    ("評價", "評分"),
    ("時長", "時間"),
    ("你們", "您"),
    ("門戶", "入口網站"),
    ("稽核", "審核"),  # s2twp turns 审核 (review) into 稽核 (audit)
    ("分揀", "初審"),
    (" (%)", "（%）"),
    ("計劃任務", "排程作業"),  # scheduled jobs
    ("計劃月份", "預定月份"),
    ("釋出負責人", "版本負責人"),
    ("無權訪問", "無權存取"),  # 訪問 is a visit in Taiwan; access is 存取
    ("有權訪問", "有權存取"),
    ("可訪問", "可存取"),
    ("由所有公司共享", "由所有公司共用"),
    ("由各公司共享", "由各公司共用"),
    ("列表", "清單"),
    ("錄入", "輸入"),
    ("校驗", "檢查"),
    ("每季度", "每季"),
    ("本應用，", "本應用程式，"),
    ("對應用的含義", "對應用程式的意義"),
    ("點評", "評分"),  # a rating
    ("未分配", "未指派"),
    ("基於", "根據"),
    ("按 100% 計", "以 100% 計"),
    ('alt="一般"', 'alt="普通"'),  # the neutral face of the rating e-mail
    ('title="一般"', 'title="普通"'),
    ("3（一般）", "3（普通）"),
)
# the same with a context: (pattern, Taiwan), applied after TW_TERMS
TW_PATTERNS = (
    (re.compile(r"按時"), "準時"),
    (re.compile(r"按(?!鈕)"), "依"),  # by (依公司工作日曆計算), not a button (按鈕)
    (re.compile(r"(?<!合)併"), "並"),  # s2twp turns 并 (and) into 併 (merge)
    (re.compile(r"條(?![款件])"), "筆"),  # records are counted in 筆; 條款 and 條件 stay
    (re.compile(r"議程項(?!目)"), "議程項目"),
)


# Mainland terms that are wrong in EVERY entry of zh_TW.po (tests/test_i18n.py's
# TW_FORBIDDEN), fixed in the translations that already exist too: the export of `make
# pot` takes the translations of the models and fields the addon extends from the
# database, i.e. from core's zh_TW catalogs, which use mainland terms (res.config.settings
# 配置設定, account.move 日記賬記項, account.move.line 日記賬項目). Without this, every
# `make pot` brought them back and the Taiwan-terms test failed. Only replacements that
# are right wherever the term appears belong here (a hand-written 專案 must survive).
TW_EVERYWHERE = (
    ("日記賬記項", "日記帳分錄"),  # Journal Entry
    ("配置設定", "設定"),  # Config Settings
    ("獨傢伙伴", "獨家夥伴"),
    ("紅字發票（貸項通知單）", "貸記單"),
    ("紅字發票", "貸記單"),
    ("賬", "帳"),  # 日記帳項目, 帳單, 帳款
    ("配置", "設定"),
    ("反饋", "回饋"),
    ("渠道", "通路"),
    ("伙伴", "夥伴"),
    ("郵編", "郵遞區號"),
    ("只讀", "唯讀"),
    ("幣種", "幣別"),
    ("閾值", "門檻"),
    ("門店", "門市"),
    ("小票", "收據"),
    ("定製", "客製"),
    ("審批", "核准"),
    ("響應", "回應"),
    ("分揀", "初審"),
    ("“", "「"),
    ("”", "」"),
)


# whole translations that differ from a part of a longer one
TW_WHOLE = {
    "透過": "通過",  # "Passed" (a training)
    "普通": "一般",  # "Normal" (a priority); 普通 is the neutral satisfaction score
    "3 - 一般": "3 - 普通",
}


def to_taiwan(text, convert):
    text = convert(text)
    for mainland, taiwan in TW_TERMS:
        text = text.replace(mainland, taiwan)
    for pattern, taiwan in TW_PATTERNS:
        text = pattern.sub(taiwan, text)
    return TW_WHOLE.get(text, text)


def to_taiwan_everywhere(text):
    """An existing zh_TW translation with the mainland terms of TW_EVERYWHERE replaced."""
    for mainland, taiwan in TW_EVERYWHERE:
        text = text.replace(mainland, taiwan)
    return text


def main(i18n_dir):
    i18n = Path(i18n_dir)
    simplified = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(i18n / "zh_CN.po")}
    untranslated = sum(1 for msgstr in simplified.values() if not msgstr)
    tw_path = i18n / "zh_TW.po"
    traditional = polib.pofile(tw_path, wrapwidth=78)
    convert = OpenCC("s2twp").convert
    filled = fixed = 0
    for entry in traditional:
        source = simplified.get((entry.msgctxt, entry.msgid))
        if not entry.msgstr and source:
            entry.msgstr = to_taiwan(source, convert)
            filled += 1
        elif entry.msgstr and (taiwan := to_taiwan_everywhere(entry.msgstr)) != entry.msgstr:
            entry.msgstr = taiwan
            fixed += 1
    traditional.save(tw_path)
    print(
        f"zh_TW.po: {filled} entries filled from zh_CN.po, {fixed} mainland terms replaced; "
        f"zh_CN.po untranslated: {untranslated}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
