import logging
import re

import psycopg2

from odoo import api, models
from odoo.fields import Domain
from odoo.modules.db import has_trigram
from odoo.tools import SQL, html2plaintext, mute_logger

from .product_requirement_stage import OPEN_STATES

_logger = logging.getLogger(__name__)

# words that carry no meaning when looking for similar requirements
STOP_WORDS = frozenset(
    """a an and are as at be but by can could for from has have in into is it its of on
    or our please should so that the their them they this to too us was we were when
    where which will with would need needs want wants customer customers support
    feature""".split()
)
WORD_RE = re.compile(r"[0-9a-zA-Z\u00C0-\u024F]{3,}|[\u3400-\u9FFF\uF900-\uFAFF]+")


def _stem(word):
    """The singular of an English word, enough to match plurals: scales → scale,
    barcodes → barcode, boxes → box, batteries → battery (not: status, analysis)."""
    if len(word) <= 3 or word.isdigit() or word in ("series", "species", "news"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _pattern(word):
    """What to look for in the database for a word (a stem): its every variant contains
    it (scale → scal: scale, scales, scaling; battery → batter: batteries)."""
    if len(word) > 4 and word[-1] in "ey" and not word.isdigit():
        return word[:-1]
    return word


def _tokens(text):
    """Meaningful lower-case words of a text, as stems (plurals match their singular);
    runs of CJK characters become character bigrams (a single character stays)."""
    words = set()
    for token in WORD_RE.findall((text or "").lower()):
        if "\u3400" <= token[0] <= "\ufaff":
            words.update(token[i : i + 2] for i in range(max(len(token) - 1, 1)))
        elif token not in STOP_WORDS:
            words.add(_stem(token))
    return words - STOP_WORDS


class ProductRequirement(models.Model):
    """Open requirements that look like a text: what the Raise Requirement and Link to
    Requirement wizards suggest before a duplicate is raised."""

    _inherit = "product.requirement"

    def _auto_init(self):
        """pg_trgm for the trigram indexes of the title and the description. Odoo
        creates it in the databases it creates; a database created otherwise may lack it.
        Creating it needs the right privileges: without them the indexes are skipped
        (Odoo's own rule) and the similar requirements are found by a scan instead."""
        if not self.pool.has_trigram:
            try:
                with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                    self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except psycopg2.Error as error:
                _logger.info("pg_trgm is not available, requirements not indexed: %s", error)
            else:
                self.pool.has_trigram = has_trigram(self.env.cr)
        return super()._auto_init()

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
        found = self._similar_candidates(
            domain, sorted(text_words, key=len, reverse=True)[:12], title_words, product, categ
        )
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

    @api.model
    def _similar_candidates(self, domain, words, title_words, product, categ, limit=60):
        """The requirements of `domain` sharing a word, the product or the category, the
        likeliest first, ranked in SQL as `_find_similar` scores them (a word in the
        title 3, in the description 1, the product 4, the category 2): with thousands of
        requirements, a common word must not push the best match out of the batch.

        Words are matched as substrings of their stem (`ILIKE '%scal%'`), which the
        trigram indexes of the title and the description serve when PostgreSQL has
        pg_trgm; without it the same query scans the table."""
        candidates = Domain.FALSE
        for word in words:
            pattern = _pattern(word)
            candidates |= Domain("name", "ilike", pattern) | Domain("description", "ilike", pattern)
        if product:
            candidates |= Domain("product_id", "=", product.id)
        if categ:
            candidates |= Domain("product_categ_id", "=", categ.id)
        query = self._search(domain & candidates)
        name = self._field_to_sql(query.table, "name", query)
        description = self._field_to_sql(query.table, "description", query)
        terms = []
        for word in words:
            pattern = f"%{_pattern(word)}%"
            weight = 3 if word in title_words else 1
            terms.append(
                SQL(
                    "(CASE WHEN %s ILIKE %s THEN %s WHEN %s ILIKE %s THEN 1 ELSE 0 END)",
                    name,
                    pattern,
                    weight,
                    description,
                    pattern,
                )
            )
        if product:
            terms.append(
                SQL(
                    "(CASE WHEN %s = %s THEN 4 ELSE 0 END)",
                    self._field_to_sql(query.table, "product_id", query),
                    product.id,
                )
            )
        if categ:
            terms.append(
                SQL(
                    "(CASE WHEN %s = %s THEN 2 ELSE 0 END)",
                    self._field_to_sql(query.table, "product_categ_id", query),
                    categ.id,
                )
            )
        query.order = SQL(
            "(%s) DESC, %s DESC NULLS LAST, %s DESC",
            SQL(" + ").join(terms or [SQL("0")]),
            self._field_to_sql(query.table, "revenue_at_stake", query),
            SQL.identifier(query.table, "id"),
        )
        query.limit = limit
        return self.browse(query.get_result_ids())
