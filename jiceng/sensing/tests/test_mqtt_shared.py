"""Several ingest consumers behind one MQTT 5 shared subscription (``$share/<group>/…``), against
the real Mosquitto on 127.0.0.1:1883: the broker hands each message to one member of the group, so
the consumers split the stream and every message lands once."""

from __future__ import annotations

import pytest

from jiceng.sensing.models import Receipt, Telemetry
from jiceng.sensing.mqtt import topics
from jiceng.sensing.simulate import MqttPublisher
from jiceng.sensing.tests.test_mqtt import URL, leak_stream, live, run_id, wait_for, workers  # noqa: F401

pytestmark = [pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]


def test_the_shared_subscription_topics_name_the_group() -> None:
    assert topics("jiceng", "ingest") == [
        "$share/ingest/jiceng/devices/+/telemetry",
        "$share/ingest/jiceng/devices/+/events",
    ]


def test_two_consumers_in_one_share_group_split_the_stream_and_each_message_lands_once(
    live,  # noqa: F811
    workers,  # noqa: F811
    run_id,  # noqa: F811
) -> None:
    group = f"ingest{run_id}"
    a, b = workers("a", share=group), workers("b", share=group)
    stream = leak_stream(200)
    publisher = MqttPublisher(URL, prefix=f"jt{run_id}")
    for device, channel, body in stream:
        publisher.publish(device, channel, body)
    publisher.close()
    wait_for(lambda: Receipt.objects.count() == len(stream))
    a.stop()
    b.stop()
    got_a, got_b = a.worker.totals, b.worker.totals
    # both consumed a part, the parts add up to the stream, and nobody saw a message twice
    assert got_a.received > 0 and got_b.received > 0
    assert got_a.received + got_b.received == len(stream)
    assert got_a.duplicates == 0 and got_b.duplicates == 0
    assert Telemetry.objects.count() == len(stream)
