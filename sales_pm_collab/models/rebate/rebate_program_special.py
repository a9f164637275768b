from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RebateProgramSpecial(models.Model):
    _name = "rebate.program.special"
    _description = "Special Rebate"
    _inherit = ["rebate.program.term.mixin", "collab.guard.mixin"]
    _order = "program_id, sequence, id"
    # follows the program
    _system_fields = ("company_id",)

    program_id = fields.Many2one("rebate.program", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(
        string="Description", help="e.g. New product push: Live Commerce Module at double rate."
    )
    product_id = fields.Many2one(
        "product.product",
        check_company=True,
        help="The product whose sales earn the special rebate.",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        help="Or every product of this category (and its subcategories).",
    )
    rate_type = fields.Selection(
        [("percent", "Extra rate"), ("multiple", "Multiple of the band rate")],
        required=True,
        default="percent",
        help="Extra rate: the rate below is added on the sales of these products.\n"
        "Multiple of the band rate: these sales earn the attained band rate times the "
        "factor (2 = double rebate).",
    )
    rate = fields.Float(
        string="Extra Rate (%)", digits=(5, 2), help="Extra rebate on these sales, in %."
    )
    factor = fields.Float(
        digits=(4, 2), default=2.0, help="2 earns twice the band rate on these sales."
    )

    _rate_check = models.Constraint(
        "CHECK(rate >= 0 AND rate <= 100)",
        "The rate of a special rebate must be between 0 and 100%.",
    )
    _factor_check = models.Constraint(
        "CHECK(factor IS NULL OR (factor >= 1 AND factor <= 10))",
        "The factor of a special rebate must be between 1 and 10.",
    )

    @api.depends("name", "product_id", "categ_id", "rate_type", "rate", "factor")
    def _compute_display_name(self):
        for special in self:
            what = special.name or (special.product_id or special.categ_id).display_name or ""
            if special.rate_type == "multiple":
                special.display_name = f"{what} (×{special.factor:g})"
            else:
                special.display_name = f"{what} (+{special.rate:g}%)"

    @api.constrains("program_id", "product_id", "categ_id")
    def _check_target(self):
        for special in self:
            if bool(special.product_id) == bool(special.categ_id):
                raise ValidationError(
                    self.env._(
                        "Special rebate %(name)s of program %(program)s: choose either a "
                        "product or a product category (exactly one).",
                        name=special.name or "",
                        program=special.program_id.name,
                    )
                )
