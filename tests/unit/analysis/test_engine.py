"""A step's verdict: alpha spent across looks, inconclusive on thin traffic, score and reasons;
and the false-rollback rate of whole A/A rollouts, by simulation."""

from __future__ import annotations

import numpy as np
import pytest

from modelci.analysis import (
    CheckStatus,
    Histogram,
    Verdict,
    VersionWindow,
    Window,
    analyse,
    check_alpha,
    look_alphas,
)
from modelci.analysis.simulation import Traffic, false_rollback_rate, step_window
from modelci.config.rollout import (
    AnalysisConfig,
    DistributionCheckConfig,
    ErrorsCheckConfig,
    LatencyCheckConfig,
    RolloutConfig,
)
from modelci.errors import UsageError


@pytest.mark.parametrize("spending", ["pocock", "obrien-fleming", "uniform"])
def test_the_looks_spend_exactly_alpha(spending: str) -> None:
    alphas = look_alphas(0.05, 3, spending)  # type: ignore[arg-type]
    assert sum(alphas) == pytest.approx(0.05)
    assert all(a > 0 for a in alphas)


def test_obrien_fleming_spends_little_early_and_pocock_more() -> None:
    pocock = look_alphas(0.05, 3, "pocock")
    obf = look_alphas(0.05, 3, "obrien-fleming")
    assert obf[0] < 0.001 < pocock[0]
    assert pocock[0] > pocock[1] > pocock[2]
    assert obf[0] < obf[1] < obf[2]


def test_each_check_gets_its_share_of_the_looks_alpha() -> None:
    config = RolloutConfig(analysis=AnalysisConfig(spending="uniform"))
    # steps 10, 25, 50 are the three looks; four checks split each look's alpha
    assert check_alpha(config, 25) == (2, 3, pytest.approx(0.05 / 3 / 4))


def test_step_100_is_not_a_look() -> None:
    with pytest.raises(UsageError, match="step 100 is not an analysed step") as raised:
        check_alpha(RolloutConfig(), 100)
    assert raised.value.message.endswith("the analysed steps are 10, 25, 50")


def test_too_little_traffic_is_inconclusive_and_runs_no_test() -> None:
    window = Window(stable=VersionWindow(900, 0), canary=VersionWindow(40, 40))
    verdict = analyse(window, 10, RolloutConfig())
    assert verdict.verdict is Verdict.INCONCLUSIVE
    assert verdict.reasons == ("canary answered 40 requests, fewer than the 100 required",)
    assert {c.status for c in verdict.checks} == {CheckStatus.NO_DATA}
    assert verdict.score is None
    assert not verdict.promotes


def _healthy(rng: np.random.Generator) -> Window:
    return step_window(rng, 50, 1000, Traffic(), Traffic())


def test_a_healthy_last_look_promotes_with_a_full_score() -> None:
    verdict = analyse(_healthy(np.random.default_rng(3)), 50, RolloutConfig())
    assert verdict.verdict is Verdict.PASS
    assert verdict.score == 100.0
    assert verdict.promotes
    assert [r.split(":")[0] for r in verdict.reasons] == ["errors", "latency", "scores", "classes"]


def test_a_check_without_data_is_ignored_or_inconclusive_as_configured() -> None:
    window = _healthy(np.random.default_rng(4))
    bare = Window(
        stable=VersionWindow(window.stable.requests, 0, latency=window.stable.latency),
        canary=VersionWindow(window.canary.requests, 0, latency=window.canary.latency),
    )
    ignored = analyse(bare, 10, RolloutConfig())
    assert ignored.verdict is Verdict.PASS
    assert "scores ignored: no score histogram on one side" in ignored.reasons
    strict = RolloutConfig(analysis=AnalysisConfig(on_no_data="inconclusive"))
    assert analyse(bare, 10, strict).verdict is Verdict.INCONCLUSIVE


def test_one_failing_check_fails_the_step_with_its_reason() -> None:
    rng = np.random.default_rng(5)
    window = step_window(rng, 25, 2000, Traffic(), Traffic(latency_median=0.024))
    verdict = analyse(window, 25, RolloutConfig())
    assert verdict.verdict is Verdict.FAIL
    assert len(verdict.reasons) == 1 and verdict.reasons[0].startswith("latency: canary slower")
    assert verdict.score == 75.0


def test_a_aa_rollouts_roll_back_at_most_alpha() -> None:
    # 400 whole rollouts of the same model on both sides; the benchmark runs 20,000.
    rate = false_rollback_rate(RolloutConfig(), rollouts=400, requests_per_window=1000, seed=11)
    assert rate <= 0.05 + 0.02


def test_a_aa_rate_holds_for_the_tests_alone() -> None:
    # With every tolerance at zero only the tests' significance decides: this measures the alpha
    # spending itself (the tolerances make the real rate lower still).
    bare = AnalysisConfig(
        alpha=0.2,
        errors=ErrorsCheckConfig(max_increase=0),
        latency=LatencyCheckConfig(max_ratio=1),
        scores=DistributionCheckConfig(max_psi=1e-9),
        classes=DistributionCheckConfig(max_psi=1e-9),
    )
    rate = false_rollback_rate(
        RolloutConfig(analysis=bare), rollouts=400, requests_per_window=1000, seed=12
    )
    assert rate <= 0.2 + 0.04


def test_histogram_window_counts_must_be_consistent() -> None:
    with pytest.raises(ValueError, match="0 <= errors <= requests"):
        VersionWindow(5, 6)
    with pytest.raises(ValueError, match="bucket bounds must rise"):
        Histogram((0.2, 0.1), (1, 1))
