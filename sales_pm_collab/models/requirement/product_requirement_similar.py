import re

from odoo import api, models
from odoo.fields import Domain
from odoo.tools import html2plaintext

from .product_requirement_stage import OPEN_STATES

# words that carry no meaning when looking for similar requirements
STOP_WORDS = frozenset(
    """a an and are as at be but by can could for from has have in into is it its of on
    or our please should so that the their them they this to too us was we were when
    where which will with would need needs want wants customer customers support
    feature""".split()
)
WORD_RE = re.compile(r"[0-9a-zA-Z\u00C0-\u024F]{3,}|[\u3400-\u9FFF\uF900-\uFAFF]+")


def _tokens(text):
    """Meaningful lower-case words of a text; runs of CJK characters become bigrams."""
    words = set()
    for token in WORD_RE.findall((text or "").lower()):
        if "\u3400" <= token[0] <= "\ufaff":
            words.update(token[i : i + 2] for i in range(max(len(token) - 1, 1)))
        elif token not in STOP_WORDS:
            words.add(token)
    return words


class ProductRequirement(models.Model):
    """Open requirements that look like a text: what the Raise Requirement and Link to
    Requirement wizards suggest before a duplicate is raised."""

    _inherit = "product.requirement"

    @api.model
    def _find_similar(self, name, description="", product=None, categ=None, limit=5, company=None):
        """Open requirements that look like the text given, ranked.

        Returns a list of (requirement, score, reasons) with the best first. A shared
        word of the title counts 3, of the description 1, the same product 4, the same
        category 2. With `company`, only that company's requirements (the others cannot
        be linked to its deals).
        """
        title_words = _tokens(name)
        text_words = _tokens(html2plaintext(description or "")) | title_words
        if not text_words and not product and not categ:
            return []
        domain = Domain("state", "in", OPEN_STATES)
        if company:
            domain &= Domain("company_id", "=", company.id)
        candidates = Domain.FALSE
        for word in sorted(text_words, key=len, reverse=True)[:12]:
            candidates |= Domain("name", "ilike", word) | Domain("description", "ilike", word)
        if product:
            candidates |= Domain("product_id", "=", product.id)
        if categ:
            candidates |= Domain("product_categ_id", "=", categ.id)
        found = self.search(domain & candidates, limit=200, order="revenue_at_stake desc, id desc")
        ranked = []
        for requirement in found:
            shared_title = title_words & _tokens(requirement.name)
            shared_text = (text_words & _tokens(html2plaintext(requirement.description or ""))) | (
                text_words & _tokens(requirement.name)
            )
            score = 3 * len(shared_title) + len(shared_text - shared_title)
            reasons = []
            if shared_text:
                reasons.append(
                    self.env._("shared words: %(words)s", words=", ".join(sorted(shared_text)[:6]))
                )
            if product and requirement.product_id == product:
                score += 4
                reasons.append(self.env._("same product"))
            elif categ and requirement.product_categ_id == categ:
                score += 2
                reasons.append(self.env._("same category"))
            if score >= 2:
                ranked.append((requirement, score, "; ".join(reasons)))
        ranked.sort(key=lambda item: (-item[1], -item[0].revenue_at_stake, -item[0].id))
        return ranked[:limit]
