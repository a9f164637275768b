import logging
import re

import psycopg2

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.modules.db import has_trigram
from odoo.tools import SQL, html2plaintext, mute_logger, sql

from .product_requirement_stage import OPEN_STATES

_logger = logging.getLogger(__name__)

# the column PostgreSQL keeps from `similar_words`: the words as an array, GIN-indexed
SIMILAR_ARRAY = "similar_word_array"
# the words of a text a search compares at most (the title's first, then the longest)
MAX_WORDS = 30

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
        """pg_trgm for the trigram index of the title (the search box's `ilike`). Odoo
        creates it in the databases it creates; a database created otherwise may lack it.
        Creating it needs the right privileges: without them the index is skipped (Odoo's
        own rule). The suggestions use their own GIN index (`init`)."""
        if not self.pool.has_trigram:
            try:
                with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                    self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except psycopg2.Error as error:
                _logger.info("pg_trgm is not available, requirements not indexed: %s", error)
            else:
                self.pool.has_trigram = has_trigram(self.env.cr)
        return super()._auto_init()

    # the words each requirement is found by (`_tokens`: lower-case stems, Chinese as
    # character bigrams), space-separated, computed once when the text changes: the
    # suggestions compare word lists in SQL, without reading any description
    similar_title_words = fields.Text(
        string="Suggestion Words of the Title",
        compute="_compute_similar_words",
        store=True,
        readonly=True,
        copy=False,
    )
    similar_words = fields.Text(
        string="Suggestion Words",
        compute="_compute_similar_words",
        store=True,
        readonly=True,
        copy=False,
    )

    def init(self):
        """The word list as an array, kept by PostgreSQL itself (a generated column the
        ORM never writes), with one GIN index: `&&` (shares a word) finds the candidates
        in the index, English stems and Chinese bigrams alike, and testing a word on a
        stored array costs next to nothing. (pg_trgm could not index Chinese in a
        database of locale C, where CJK characters are no word characters; an index on
        `string_to_array(similar_words, ' ')` is not chosen by the planner, which does not
        know how much splitting the text of every row costs.)"""
        cr = self.env.cr
        if not sql.column_exists(cr, self._table, SIMILAR_ARRAY):
            cr.execute(
                SQL(
                    "ALTER TABLE %s ADD COLUMN %s text[]"
                    " GENERATED ALWAYS AS (string_to_array(similar_words, ' ')) STORED",
                    SQL.identifier(self._table),
                    SQL.identifier(SIMILAR_ARRAY),
                )
            )
        sql.create_index(
            cr,
            f"{self._table}_{SIMILAR_ARRAY}_index",
            self._table,
            [SQL.identifier(SIMILAR_ARRAY).code],
            method="gin",
            comment="the words of a requirement: Raise Requirement's suggestions",
        )
        return super().init()

    @api.depends("name", "description")
    def _compute_similar_words(self):
        for requirement in self:
            title = _tokens(requirement.name)
            words = title | _tokens(html2plaintext(requirement.description or ""))
            requirement.similar_title_words = " ".join(sorted(title)) or False
            requirement.similar_words = " ".join(sorted(words)) or False

    @api.model
    def _find_similar(self, name, description="", product=None, categ=None, limit=5, company=None):
        """Open requirements that look like the text given, ranked.

        Returns a list of (requirement, score, reasons) with the best first. A shared
        word of the title counts 3, of the description 1, the same product 4, the same
        category 2; a requirement scoring less than 2 is no suggestion. With `company`,
        only that company's requirements (the others cannot be linked to its deals).
        """
        title_words = _tokens(name)
        text_words = _tokens(html2plaintext(description or "")) | title_words
        if not text_words and not product and not categ:
            return []
        domain = Domain("state", "in", OPEN_STATES)
        if company:
            domain &= Domain("company_id", "=", company.id)
        ranked = []
        for requirement_id, score, shared, same_product, same_categ in self._similar_ranked(
            domain, text_words, title_words, product, categ, limit
        ):
            reasons = []
            if shared:
                reasons.append(self.env._("shared words: %(words)s", words=", ".join(shared[:6])))
            if same_product:
                reasons.append(self.env._("same product"))
            elif same_categ:
                reasons.append(self.env._("same category"))
            ranked.append((self.browse(requirement_id), score, "; ".join(reasons)))
        return ranked

    @api.model
    def _similar_ranked(self, domain, text_words, title_words, product, categ, limit):
        """The best `limit` requirements of `domain` for the words given, scored and
        ranked in one query: rows of (id, score, shared words, same product, same
        category), the best first (then the revenue at stake, the newest).

        A candidate shares a word of the text (the GIN index of the word array), the
        product or the category. Its score is 3 per word of the title it has in its own
        title, 1 per other word of the text it has, 4 for the same product or else 2 for
        the same category, counted on the stored word lists; only the rows kept get
        their shared words listed. A long description counts by its longest words (at
        most MAX_WORDS words in all, the title's first)."""
        words = sorted(title_words, key=lambda w: (-len(w), w))
        words += sorted(text_words - title_words, key=lambda w: (-len(w), w))
        words = sorted(words[:MAX_WORDS])
        query = self._search(domain)
        table = query.table
        array = SQL.identifier(table, SIMILAR_ARRAY)
        title = SQL("(' ' || %s || ' ')", self._field_to_sql(table, "similar_title_words", query))
        product_id = self._field_to_sql(table, "product_id", query)
        categ_id = self._field_to_sql(table, "product_categ_id", query)
        # the array is PostgreSQL's copy of the word list: write the pending ones first
        self.flush_model(["similar_words"])
        candidates = []
        if words:
            candidates.append(SQL("%s && %s::text[]", array, words))
        if product:
            candidates.append(SQL("%s = %s", product_id, product.id))
        if categ:
            candidates.append(SQL("%s = %s", categ_id, categ.id))
        query.add_where(SQL("(%s)", SQL(" OR ").join(candidates)))
        terms = [
            SQL(
                "CASE WHEN strpos(%s, %s) > 0 THEN 3 WHEN %s @> ARRAY[%s] THEN 1 ELSE 0 END",
                title,
                f" {word} ",
                array,
                word,
            )
            if word in title_words
            else SQL("(%s @> ARRAY[%s])::int", array, word)
            for word in words
        ]
        same_product = SQL("COALESCE(%s = %s, FALSE)", product_id, product.id if product else 0)
        same_categ = SQL("COALESCE(%s = %s, FALSE)", categ_id, categ.id if categ else 0)
        terms.append(SQL("CASE WHEN %s THEN 4 WHEN %s THEN 2 ELSE 0 END", same_product, same_categ))
        revenue = self._field_to_sql(table, "revenue_at_stake", query)
        query.order = SQL(
            "similarity DESC, %s DESC NULLS LAST, %s DESC", revenue, SQL.identifier(table, "id")
        )
        query.limit = limit
        best = query.select(
            SQL("%s AS id", SQL.identifier(table, "id")),
            SQL("%s AS similarity", SQL(" + ").join(terms)),
            SQL("%s AS revenue", revenue),
            SQL("%s AS words", array),
            SQL("%s AS same_product", same_product),
            SQL("%s AS same_categ", same_categ),
        )
        # the best first, so those under 2 (no suggestion) can only be the last ones
        query_sql = SQL(
            """SELECT best.id, best.similarity,
                      ARRAY(SELECT w FROM unnest(best.words) w
                             WHERE w = ANY(%s::text[]) ORDER BY w),
                      best.same_product, best.same_categ
                 FROM (%s) AS best
                WHERE best.similarity >= 2
             ORDER BY best.similarity DESC, best.revenue DESC NULLS LAST, best.id DESC""",
            words,
            best,
        )
        return self.env.execute_query(query_sql)
