"""Lets a fixture see how its test went (``request.node.report_call``), so the browser can keep a screenshot."""

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
