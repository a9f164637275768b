"""The one working-time helper: triage deadlines of requirements and SLA deadlines of
feedback are both counted in working hours of a calendar."""

from datetime import timedelta

import pytz

# a calendar is read this far ahead at a time (as resource.calendar.plan_hours does)
PLAN_WINDOW = timedelta(days=14)
# ~2 years of calendar: beyond that the calendar has no working time
PLAN_MAX_WINDOWS = 60


def plan_working_hours(calendar, start, hours_list):
    """The moments (naive UTC) reached after each of `hours_list` working hours from
    `start` (naive UTC) in `calendar`, its leaves (public holidays) skipped; None for an
    offset the calendar has no working time for within two years.

    One calendar read per 14 days scanned, whatever the number of offsets; an offset
    falling exactly at the end of a working day stays on that day.
    """
    wanted = sorted(set(hours_list))
    found = {}
    done_hours = 0.0
    window_start = pytz.utc.localize(start)
    for _n in range(PLAN_MAX_WINDOWS):
        window_end = window_start + PLAN_WINDOW
        intervals = calendar._work_intervals_batch(window_start, window_end)[False]
        for begin, stop, _meta in intervals:
            length = (stop - begin).total_seconds() / 3600
            while wanted and wanted[0] <= done_hours + length:
                hours = wanted.pop(0)
                reached = begin + timedelta(hours=hours - done_hours)
                found[hours] = reached.astimezone(pytz.utc).replace(tzinfo=None)
            done_hours += length
        if not wanted:
            break
        window_start = window_end
    return [found.get(hours) for hours in hours_list]
