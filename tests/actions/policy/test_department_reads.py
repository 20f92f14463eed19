"""A key bound to a department reads the contact policy of its touchpoints only: a
customer's ledger keeps the decisions about them, the survey funnel their rows (and the
personas' shares among them), and a simulation or a funnel naming another department's
touchpoint is refused (403), as scoring's reports do."""

from __future__ import annotations

from typing import Any

import httpx

from tests.actions.policy.conftest import SERVICE_KEY, T0, Policy
from tests.conftest import unique

AS_SERVICE = {"Authorization": f"Bearer {SERVICE_KEY}"}


async def as_service(policy: Policy, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return await policy.client.request(method, path, headers=AS_SERVICE, **kwargs)


async def test_the_ledger_keeps_the_decisions_about_the_department_s_touchpoints(
    policy: Policy,
) -> None:
    customer = unique("po-dept")
    await policy.decide(customer, policy.ids.moment)  # po-service's
    await policy.decide(customer, policy.ids.other, at=T0.replace(hour=11))  # nobody's
    path = f"/v1/customers/{customer}/solicitations"

    everything = (await policy.client.get(path)).json()["items"]
    mine = await as_service(policy, "GET", path)

    assert {d["touchpoint"] for d in everything} == {policy.ids.moment, policy.ids.other}
    assert mine.status_code == 200, mine.text
    assert [d["touchpoint"] for d in mine.json()["items"]] == [policy.ids.moment]


async def test_a_simulation_about_another_department_s_touchpoint_is_refused(
    policy: Policy,
) -> None:
    body = {"customer_id": unique("po-dept"), "channel": "web", "at": T0.isoformat()}
    simulate = "/v1/contact-policy/simulate"
    own = await as_service(policy, "POST", simulate, json={**body, "touchpoint": policy.ids.moment})
    other = await as_service(policy, "POST", simulate, json={**body, "touchpoint": policy.ids.web})
    assert own.status_code == 200, own.text
    assert other.status_code == 403, other.text
    assert "po-service" in other.json()["detail"]


async def test_the_funnel_keeps_the_department_s_rows(policy: Policy) -> None:
    customer = unique("po-dept")
    await policy.decide(customer, policy.ids.moment)
    await policy.decide(unique("po-dept"), policy.ids.other)
    window = {"from": T0.date().isoformat(), "period": "day"}

    mine = await as_service(policy, "GET", "/v1/reports/survey-funnel", params=window)
    named = {**window, "touchpoint": policy.ids.other}
    other = await as_service(policy, "GET", "/v1/reports/survey-funnel", params=named)

    assert mine.status_code == 200, mine.text
    touchpoints = {row["touchpoint"] for row in mine.json()["rows"]}
    assert policy.ids.moment in touchpoints
    assert touchpoints <= {policy.ids.moment, "relationship"}
    assert other.status_code == 403, other.text
