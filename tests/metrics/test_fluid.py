"""Body-mass loss, sweat rate and sodium (analyzer.metrics.fluid) against the worked examples of DOMAIN.md §3."""

from __future__ import annotations

import pytest

from analyzer.metrics.fluid import body_mass_loss_pct, sodium_loss_mg, sweat_rate_l_per_h


def test_fluid_examples():
    # Example A: 62.0 → 60.3 kg, 0.5 L drunk, 1.5 h → 2.74 %, 1.47 L/h
    assert float(body_mass_loss_pct(62.0, 60.3)) == pytest.approx(2.74, abs=0.005)
    assert float(sweat_rate_l_per_h(62.0, 60.3, 500, 5400)) == pytest.approx(1.47, abs=0.005)
    # Example B: 70.0 → 68.6 kg, 0.5 L drunk, 0.1 L urine, 1.5 h → 2.00 %, 1.20 L/h
    assert float(body_mass_loss_pct(70.0, 68.6)) == pytest.approx(2.00, abs=0.005)
    assert float(sweat_rate_l_per_h(70.0, 68.6, 500, 5400, 100)) == pytest.approx(1.20, abs=0.005)
    # example A's 2.2 L of sweat at 40 mmol/L ≈ 88 mmol ≈ 2.0 g sodium
    assert float(sodium_loss_mg(2.2)) == pytest.approx(2024, abs=1)
    # a gain is a negative loss
    assert float(body_mass_loss_pct(60.0, 60.5)) < 0
