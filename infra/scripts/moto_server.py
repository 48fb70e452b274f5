"""moto's server, with DynamoDB operations serialised and a sturdier state dump.

moto_server answers requests on several threads, and its DynamoDB backend does
not lock: a TransactWriteItems checks its conditions and writes without a
lock, and on a failed condition restores a copy of the whole table taken
before, undoing the writes other threads made meanwhile. Real DynamoDB (and
LocalStack, which runs DynamoDB Local) makes every write and every
transaction atomic. The back office's limits (licences, enrollment limits,
unique slugs) rest on that atomicity, and its tests race requests on purpose,
so this wrapper holds one lock around every DynamoDB backend operation and
then runs moto's own server with the arguments given.

Under that lock a transaction no longer needs moto's rollback by copy, which
deep-copies the whole table on every TransactWriteItems (the time grows with
the table: a tenth of a second a transaction with a few hundred items). The
wrapper's transaction checks every condition first and writes only when all
hold, restoring the items it touched should a write fail; and it honours the
ClientRequestToken as DynamoDB does (see below).

moto's /moto-api/data.json (where tests read the emails SES "sent") fails
whole with a 500 as soon as any tracked object raises while it is dumped,
which S3 multipart uploads of a deleted bucket do. The dump here skips an
attribute that raises anything, as moto's own skips one that is not JSON.
It is also slow once the server holds large S3 objects, so the wrapper serves
GET /_aws/ses as LocalStack does: the emails sent, and nothing else (a raw
email as its MIME, RawData, from which tests read its headers).

Three changes are for speed and change no answer (see each below): a Query
on the table's key reads its partition rather than the whole table, an
item's size is checked once rather than once an attribute, and items are not
kept in moto's list of every model instance.

Usage: python3 moto_server.py -H 127.0.0.1 -p 4566
"""

import functools
import json
import sys
import threading
import time

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ItemSizeTooLarge,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.responses import DynamoHandler
from moto.moto_api._internal.responses import MotoAPIResponse
import moto.server
from moto.server import main
from moto.ses.models import ses_backends

_LOCK = threading.RLock()

_OPERATIONS = (
    "put_item", "get_item", "update_item", "delete_item", "query", "scan",
    "batch_get_item", "batch_write_item", "transact_write_items", "transact_get_items",
    "execute_statement", "execute_transaction", "batch_execute_statement",
    "create_table", "delete_table", "update_table", "update_time_to_live",
)


def _serialised(operation):
    @functools.wraps(operation)
    def run(*args, **kwargs):
        with _LOCK:
            return operation(*args, **kwargs)

    return run


def _key_of(backend, op_type, op):
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _transact_write_items(self, transact_items):
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen = set()
    errors = []
    before = []  # (table, key, item as it was, or None)
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table_name = op["TableName"]
        key = _key_of(self, op_type, op)
        unique = (str(table_name), str(dict(sorted(key.items()))))
        if unique in seen:
            raise MultipleTransactionsException()
        seen.add(unique)
        current = self.get_item(table_name, key)
        condition = op.get("ConditionExpression")
        if condition is not None and not get_filter_expression(
            condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(current):
            errors.append(("ConditionalCheckFailed", "The conditional request failed", None))
            continue
        errors.append((None, None, None))
        if op_type != "ConditionCheck":
            before.append((table_name, key, current.to_json()["Attributes"] if current else None))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    try:
        for item in transact_items:
            op_type, op = next(iter(item.items()))
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(op["TableName"], op["Item"])
            elif op_type == "Delete":
                self.delete_item(op["TableName"], op["Key"])
            elif op_type == "Update":
                self.update_item(op["TableName"], op["Key"], update_expression=op["UpdateExpression"],
                                 expression_attribute_names=names, expression_attribute_values=values)
    except Exception:
        for table_name, key, attrs in before:
            if attrs is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, attrs)
        raise


DynamoDBBackend.transact_write_items = _transact_write_items

# moto checks an item's 400 KB limit as each attribute is set, summing the
# sizes of every attribute set before: the time to build an item grows with
# the square of its attributes (a learner has 31), and it was most of the
# time of every write. The wrapper builds the attributes first and checks
# their total once; since sizes only add up, it refuses exactly the items
# moto refuses.
_ITEM_LIMIT = 405000  # moto's own limit, between the 409 and 410 KB seen on DynamoDB


def _item_init(self, hash_key, range_key, attrs):
    self.hash_key = hash_key
    self.range_key = range_key
    values = {key: DynamoType(value) for key, value in attrs.items()}
    if sum(bytesize(key) + value.size() for key, value in values.items()) > _ITEM_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict(values)  # dict.update: no check per attribute


Item.__init__ = _item_init


# moto keeps every instance of its models for /moto-api/data.json, and a
# DynamoDB Item is one: every item ever built (each write, each copy an
# UpdateItem takes) stayed in memory after it was overwritten or its table
# deleted, so a long run's heap, and the time of each of Python's full
# garbage collections, grew with every write made. Items are left out of
# that list (no test reads items from data.json; they read the table).


def _untracked(cls, *args, **kwargs):
    return object.__new__(cls)


Item.__new__ = _untracked

# moto answers a Query on the table's own key by listing and sorting every
# item of the table, then keeping those of the partition asked for: each
# page of a Query cost time in proportion to the whole table, and paging
# through a partition in proportion to its square times the table (an
# import's result file, read back a page at a time, took minutes at
# 100,000 rows). The wrapper hands moto's query the partition alone, which
# moto then sorts and pages as before; a Query on an index is left as it is.
_table_query = Table.query
_INDEX_NAME_ARG = 6  # index_name's place among Table.query's arguments after hash_key


def _query(self, hash_key, *args, **kwargs):
    index_name = args[_INDEX_NAME_ARG] if len(args) > _INDEX_NAME_ARG else kwargs.get("index_name")
    if index_name or hash_key is None:
        return _table_query(self, hash_key, *args, **kwargs)
    partition = self.items.get(hash_key)
    if partition is None:
        items = []
    elif self.range_key_attr:
        items = list(partition.values())
    else:
        items = [partition]
    self.all_items = lambda: items  # this call's only: removed below
    try:
        return _table_query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


Table.query = _query

# DynamoDB keeps a TransactWriteItems' ClientRequestToken for ten minutes and
# answers a repeat of it with the first answer, without applying it again:
# that is what makes the SDK's retry of a transaction whose answer was lost
# safe. moto ignores the token; the wrapper honours it.
_TOKEN_TTL = 600
_tokens = {}  # token -> (time, answer)
_original_handler = DynamoHandler.transact_write_items


def _transact_write_items_once(self):
    token = self.body.get("ClientRequestToken")
    with _LOCK:
        now = time.monotonic()
        if token and token in _tokens and now - _tokens[token][0] < _TOKEN_TTL:
            return _tokens[token][1]
        answer = _original_handler(self)
        if token:
            if len(_tokens) > 100_000:
                for t in [t for t, (at, _) in _tokens.items() if now - at >= _TOKEN_TTL]:
                    del _tokens[t]
            _tokens[token] = (now, answer)
        return answer


DynamoHandler.transact_write_items = _transact_write_items_once

for _name in _OPERATIONS:
    setattr(DynamoDBBackend, _name, _serialised(getattr(DynamoDBBackend, _name)))



def _model_data(self, request, full_url, headers):
    from moto.core.model_instances import model_data

    results = {}
    for service in sorted(model_data):
        results[service] = {}
        for name in sorted(model_data[service]):
            instances = []
            for instance in model_data[service][name].instances_tracked:
                dumped = {}
                for attr in dir(instance):
                    if attr.startswith("_"):
                        continue
                    try:
                        value = getattr(instance, attr)
                        json.dumps(value)
                    except Exception:  # noqa: BLE001 - skip what cannot be dumped
                        continue
                    dumped[attr] = value
                instances.append(dumped)
            results[service][name] = instances
    return 200, {"Content-Type": "application/javascript"}, json.dumps(results)


MotoAPIResponse.model_data = _model_data


def _sent_emails():
    """The emails sent, in LocalStack's shape: a SendRawEmail as its Source
    and RawData (the MIME message, with every header, as sent), the others
    with their Subject, Destination and Body."""
    messages = []
    for account, regions in ses_backends.items():
        for region, backend in regions.items():
            for m in backend.sent_messages:
                raw = getattr(m, "raw_data", None)
                if isinstance(raw, str):
                    messages.append({"Id": m.id, "Region": region, "Source": m.source or "", "RawData": raw})
                    continue
                body = getattr(m, "body", None)
                if not isinstance(body, str):
                    body = ""
                messages.append({
                    "Id": m.id,
                    "Region": region,
                    "Source": getattr(m, "source", ""),
                    "Subject": getattr(m, "subject", ""),
                    "Destination": {"ToAddresses": list((getattr(m, "destinations", None) or {}).get("ToAddresses", []))},
                    "Body": {"html_part": body, "text_part": ""},
                })
    return messages


class _Dispatcher(moto.server.DomainDispatcherApplication):
    """moto's WSGI application, answering GET /_aws/ses itself."""

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/_aws/ses" and environ.get("REQUEST_METHOD") == "GET":
            payload = json.dumps({"messages": _sent_emails()}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        return super().__call__(environ, start_response)


moto.server.DomainDispatcherApplication = _Dispatcher

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
