"""Samples: everything a run collects, and why anything is missing."""
import statistics


class Samples:
    """The values a run measured and the reasons for the ones it could not.

    values:      measure -> driver -> [one value per round or start]
    unavailable: measure -> driver -> why that measure has no value for that driver
    failures:    driver -> why it stopped being measured (a failed start, call or pinning)

    Each dictionary keeps the order things happened in, which is the order
    of the drivers within each measure in results.json.
    """

    def __init__(self):
        self.values = {}
        self.unavailable = {}
        self.failures = {}

    def add(self, measure, driver, value):
        """One more value (a round, a start) of measure for driver."""
        self.values.setdefault(measure, {}).setdefault(driver, []).append(value)

    def set(self, measure, driver, value):
        """The one value of a measure taken once (memory, reload medians)."""
        self.values.setdefault(measure, {})[driver] = [value]

    def get(self, measure, driver):
        """The values so far, or [] if none."""
        return self.values.get(measure, {}).get(driver, [])

    def missing(self, measure, driver, why):
        """Records why measure has no value for driver."""
        self.unavailable.setdefault(measure, {})[driver] = why

    def fail(self, driver, why):
        """Stops measuring driver (the first reason stays)."""
        self.failures.setdefault(driver, why)

    def failed(self, driver):
        return driver in self.failures

    def medians(self):
        """measure -> driver -> the median of its values, rounded as results.json has them."""
        return {k: {name: round(statistics.median(vals), 3) for name, vals in per.items()}
                for k, per in self.values.items()}


def not_run(part):
    """True for {"skipped": why}: a part of the run (the VM part, the takeover phase) gave no figures."""
    return "skipped" in part and "meta" not in part
