"""A receipt's content hash: computed once, and never carried over to a changed copy."""

from __future__ import annotations

from sandbox import FailureClass, Receipt, Verdict, VerdictReason
from store import content_hash


def _receipt(reason: str = "every stage passed") -> Receipt:
    return Receipt(
        verdict=Verdict.PASS,
        failure_class=FailureClass.NONE,
        reason_code=VerdictReason.PASSED,
        reason=reason,
    )


def test_the_hash_is_that_of_the_canonical_json() -> None:
    receipt = _receipt()
    assert receipt.content_hash() == content_hash(receipt.model_dump(mode="json"))
    assert receipt.content_hash() == receipt.content_hash()


def test_a_copy_with_changes_hashes_its_own_content() -> None:
    receipt = _receipt()
    digest = receipt.content_hash()
    changed = receipt.model_copy(update={"reason": "other"})
    assert changed.content_hash() == _receipt("other").content_hash() != digest
    assert receipt.model_copy().content_hash() == digest


def test_a_hashed_receipt_still_equals_and_dumps_as_before() -> None:
    receipt = _receipt()
    receipt.content_hash()
    assert receipt == _receipt()
    assert Receipt.model_validate_json(receipt.model_dump_json()) == receipt
