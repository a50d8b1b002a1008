"""The simulator's once-computed request bookkeeping: moto answers as before, and everything is put back."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.signers import RequestSigner
from botocore.useragent import UserAgentString
from moto import mock_aws
from moto.core import responses
from moto.dynamodb.responses import DynamoHandler

from tests.moto_tables import one_key_table
from tools import call_overheads


def calls() -> list[dict[str, Any]]:
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        one_key_table(db, "k")
        answers = []
        for n in range(3):
            db.put_item(TableName="t", Item={"k": {"S": f"k{n}"}, "n": {"N": str(n)}})
            answers.append(db.get_item(TableName="t", Key={"k": {"S": f"k{n}"}})["Item"])
        answers.append(sorted(db.scan(TableName="t")["Items"], key=lambda item: item["k"]["S"]))
        return answers


def test_moto_answers_the_same_with_the_bookkeeping_done_once():
    plain = calls()
    call_overheads.install()
    try:
        looked_up = vars(responses)["method_names_from_class"]
        assert looked_up(DynamoHandler) is looked_up(DynamoHandler)
        assert calls() == plain
    finally:
        call_overheads.uninstall()


def test_uninstall_puts_botocore_and_moto_back():
    original = (UserAgentString.to_string, RequestSigner.sign, vars(responses)["method_names_from_class"])
    call_overheads.install()
    call_overheads.uninstall()
    assert (UserAgentString.to_string, RequestSigner.sign, vars(responses)["method_names_from_class"]) == original
    assert calls()  # and requests still work
