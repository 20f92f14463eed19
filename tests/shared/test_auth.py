from __future__ import annotations

from shared.auth import KeyRing, Principal
from shared.config import ApiKey, ServiceSettings, hash_api_key


def test_wildcard_scope_covers_its_area_only() -> None:
    ops = Principal("ops", frozenset({"ops:*"}), None)

    assert ops.has("ops:read")
    assert ops.has("ops:write")
    assert not ops.has("tasks:read")


def test_keyring_finds_a_key_by_its_hash_only() -> None:
    key = ApiKey(name="web", sha256=hash_api_key("s3cret"), scopes=frozenset({"events:write"}))
    ring = KeyRing((key,))

    assert ring.find("s3cret") == key
    assert ring.find("s3cret ") is None


def test_api_keys_are_read_from_json_in_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    digest = hash_api_key("k")
    monkeypatch.setenv(
        "API_KEYS",
        f'[{{"name":"ref","sha256":"{digest}","scopes":["tasks:read"],"department":"delivery"}}]',
    )

    (key,) = ServiceSettings().api_keys

    assert (key.name, key.department, key.scopes) == ("ref", "delivery", frozenset({"tasks:read"}))
