from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}
# longest program: more periods are a typing mistake (and a date past year 9999)
MAX_PROGRAM_YEARS = 10
# earlier is a typing mistake (and last year's base of year 1 is no date)
MIN_PROGRAM_YEAR = 1900


class RebateProgram(models.Model):
    """The program's calendar: its periods from the start date, whole months each, and
    the checks that keep its dates, targets and settlements on them."""

    _inherit = "rebate.program"

    @api.constrains("date_start", "date_end", "period")
    def _check_period_dates(self):
        for program in self:
            start, end = program.date_start, program.date_end
            if start.year < MIN_PROGRAM_YEAR:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: the start date %(start)s is not plausible; "
                        "check the year.",
                        name=program.name,
                        start=start,
                    )
                )
            if (end.year - start.year) * 12 + end.month - start.month >= MAX_PROGRAM_YEARS * 12:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s runs from %(start)s to %(end)s: a program "
                        "covers at most %(years)s years. Check the dates, or create one "
                        "program per period of terms.",
                        name=program.name,
                        start=program.date_start,
                        end=program.date_end,
                        years=MAX_PROGRAM_YEARS,
                    )
                )
            if program.date_start.day != 1:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: the start date must be the first day of a "
                        "month (periods are whole months).",
                        name=program.name,
                    )
                )
            if program.date_end not in {end for _start, end in program._get_periods()}:
                raise ValidationError(
                    self.env._(
                        "Rebate program %(name)s: the end date %(end)s is not the last day of "
                        "a %(period)s period counted from %(start)s; pick the last day of a "
                        "period, e.g. %(example)s.",
                        name=program.name,
                        end=program.date_end,
                        period=dict(program._fields["period"]._description_selection(self.env))[
                            program.period
                        ].lower(),
                        start=program.date_start,
                        example=program._period_bounds(program.date_end)[1],
                    )
                )
            program._check_records_in_periods()

    def _check_records_in_periods(self):
        """Targets and settlements cover one period each: new dates or another period
        length must keep them periods of the program (or the figures lose their period)."""
        self.ensure_one()
        periods = set(self._get_periods())
        settlements = self.settlement_ids.filtered(lambda s: s.state != "cancelled")
        for record in (*self.target_ids, *settlements):
            if (record.date_from, record.date_to) in periods:
                continue
            if record._name == "rebate.target":
                what = self.env._(
                    "the target of %(partner)s for %(from)s – %(to)s",
                    partner=record.partner_id.display_name,
                    **{"from": record.date_from, "to": record.date_to},
                )
                fix = self.env._("Delete or move those targets first")
            else:
                what = self.env._(
                    "settlement %(ref)s (%(from)s – %(to)s)",
                    ref=record.name,
                    **{"from": record.date_from, "to": record.date_to},
                )
                fix = self.env._("Cancel that settlement first, or keep the periods")
            raise ValidationError(
                self.env._(
                    "Rebate program %(name)s: with these dates and periods, %(what)s would no "
                    "longer be one period of the program. %(fix)s.",
                    name=self.name,
                    what=what,
                    fix=fix,
                )
            )

    def _get_periods(self):
        """[(date_from, date_to)] of every period of the program, in order."""
        self.ensure_one()
        if not (self.date_start and self.date_end and self.period):
            return []
        step = relativedelta(months=PERIOD_MONTHS[self.period])
        periods, start = [], self.date_start
        while start <= self.date_end:
            end = self._shift_date(start, step) - timedelta(days=1)
            periods.append((start, end))
            start = end + timedelta(days=1)
        return periods

    def _period_bounds(self, day):
        """The period (date_from, date_to) of the program's calendar that holds ``day``."""
        self.ensure_one()
        months = PERIOD_MONTHS[self.period]
        offset = (day.year - self.date_start.year) * 12 + day.month - self.date_start.month
        start = self._shift_date(self.date_start, relativedelta(months=(offset // months) * months))
        return start, self._shift_date(start, relativedelta(months=months)) - timedelta(days=1)

    def _shift_date(self, day, delta):
        """``day`` + ``delta``, or a message naming the date when it leaves the calendar
        (a period start typed as year 9999)."""
        try:
            return day + delta
        except (ValueError, OverflowError):
            raise ValidationError(
                self.env._(
                    "Rebate program %(name)s: %(date)s is too far from the program's periods "
                    "(%(start)s – %(end)s); check the date.",
                    name=self.name,
                    date=day,
                    start=self.date_start,
                    end=self.date_end,
                )
            ) from None

    def _is_period(self, date_from, date_to):
        self.ensure_one()
        return (date_from, date_to) in self._get_periods()

    def _period_label(self, date_from, date_to):
        """The period's name in the language of the environment: "2026 Q2",
        "2026年第2季度"."""
        self.ensure_one()
        year = date_from.year
        if self.period == "month":
            return self.env._("%(year)s-%(month)s", year=year, month=f"{date_from.month:02d}")
        if self.period == "quarter" and date_from.month in (1, 4, 7, 10):
            return self.env._(
                "%(year)s Q%(quarter)s", year=year, quarter=(date_from.month - 1) // 3 + 1
            )
        if self.period == "half_year" and date_from.month == 1:
            return self.env._("%(year)s H1", year=year)
        if self.period == "half_year" and date_from.month == 7:
            return self.env._("%(year)s H2", year=year)
        if self.period == "year" and date_from.month == 1:
            return str(year)
        return f"{date_from} – {date_to}"

    def _get_current_period(self, today=None):
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        if not (self.date_start <= today <= self.date_end):
            return None
        return self._period_bounds(today)
