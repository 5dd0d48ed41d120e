"""The simulator's QoS 1 publisher against the real Mosquitto: when its queue is full it waits for
the broker's acknowledgements instead of refusing messages (paho refuses past the queue bound, and
past 65,535 outstanding messages their ids wrap)."""

from __future__ import annotations

import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest

from jiceng.sensing import simulate
from jiceng.sensing.simulate import MqttPublisher

pytestmark = pytest.mark.mqtt
URL = "mqtt://127.0.0.1:1883"


def test_a_publisher_with_a_full_queue_waits_and_every_message_arrives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(simulate, "QUEUE", 5)  # a tiny queue: most publishes meet it full
    prefix = f"pub{uuid.uuid4().hex[:8]}"
    seen: set[bytes] = set()
    subscribed = threading.Event()
    lock = threading.Lock()

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with lock:
            seen.add(message.payload)

    listener = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    listener.on_message = on_message
    listener.on_subscribe = lambda *args: subscribed.set()
    listener.connect("127.0.0.1", 1883)
    listener.loop_start()
    try:
        listener.subscribe(f"{prefix}/devices/#", qos=1)
        assert subscribed.wait(10)

        publisher = MqttPublisher(URL, prefix=prefix)
        for n in range(300):
            publisher.publish("D1", "telemetry", str(n).encode())
        publisher.close()

        deadline = time.monotonic() + 20
        while len(seen) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen == {str(n).encode() for n in range(300)}
    finally:
        listener.loop_stop()
        listener.disconnect()
