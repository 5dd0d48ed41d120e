from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.exceptions import JicengError


class Command(BaseCommand):
    help = (
        "物联感知：jiceng sensing ingest [--mqtt mqtt://HOST:PORT] 接收设备消息；"
        "jiceng sensing simulate --devices N --rate R --minutes M [--mqtt URL] [--faults] 模拟设备；"
        "jiceng sensing key NAME 生成网关密钥（只显示一次）；jiceng sensing sweep 执行离线与无活动规则。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["ingest", "simulate", "key", "sweep", "maintain"])
        parser.add_argument("name", nargs="?", default="", help="key：网关名称")
        parser.add_argument("--mqtt", default=None, help="MQTT 代理地址，如 mqtt://127.0.0.1:1883")
        parser.add_argument("--client-id", default=None, help="ingest：MQTT 客户端标识（持久会话，默认固定）")
        parser.add_argument("--share", default="", help="ingest：共享订阅组名（多个进程分担同一数据流）")
        parser.add_argument("--topic-prefix", default="jiceng", help="主题前缀（默认 jiceng）")
        parser.add_argument("--batch", type=int, default=None, help="ingest：每个事务的消息数")
        parser.add_argument("--devices", type=int, default=100, help="simulate：设备数")
        parser.add_argument("--rate", type=float, default=10.0, help="simulate：每秒消息数")
        parser.add_argument("--minutes", type=float, default=1.0, help="simulate：模拟时长（分钟）")
        parser.add_argument(
            "--faults", action="store_true", help="simulate：加入重复、乱序、坏报文与离线设备"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['verb']}")(options)
        except JicengError as exc:
            raise CommandError(exc.message)

    def _ingest(self, options: dict[str, Any]) -> None:
        from jiceng.sensing.mqtt import IngestWorker, broker_address

        url = options["mqtt"] or settings.JICENG_MQTT_URL
        try:
            broker_address(url)
        except ValueError as exc:
            raise CommandError(str(exc))
        worker = IngestWorker(
            url=url,
            client_id=options["client_id"],
            prefix=options["topic_prefix"],
            share=options["share"],
            batch=options["batch"],
            out=self.stdout,
        )
        self.stdout.write(f"正在接收 {url} 上的设备消息（客户端 {worker.client_id}，QoS 1，持久会话）……")
        worker.run()
        t = worker.totals
        self.stdout.write(
            f"已停止。接收 {t.received}，入库 {t.accepted}，重复 {t.duplicates}，死信 {t.dead}，"
            f"新告警 {t.alarms_created}，解除 {t.alarms_cleared}。"
        )

    def _simulate(self, options: dict[str, Any]) -> None:
        from jiceng.sensing import simulate

        if options["devices"] <= 0 or options["rate"] <= 0 or options["minutes"] <= 0:
            raise CommandError("--devices、--rate 与 --minutes 必须为正数")
        devices = simulate.devices_from_db(options["devices"])
        if not devices:
            raise CommandError("还没有登记设备：请先 jiceng import devices FILE（或 make demo）")
        if len(devices) < options["devices"]:
            self.stdout.write(f"只登记了 {len(devices)} 台设备，按 {len(devices)} 台模拟。")
        if options["mqtt"]:
            publisher = simulate.MqttPublisher(options["mqtt"], prefix=options["topic_prefix"])
            send, flush, where = publisher.publish, publisher.close, options["mqtt"]
        else:
            sender = simulate.DirectSender()
            send, flush, where = (
                sender.send,
                sender.flush,
                "HTTP 接入同一入口（未指定 --mqtt，未经 MQTT 代理）",
            )
        stats = simulate.run(
            devices,
            rate=options["rate"],
            minutes=options["minutes"],
            faults=options["faults"],
            send=send,
            flush=flush,
        )
        self.stdout.write(
            f"已发送 {stats.sent} 条消息到 {where}，用时 {stats.seconds} 秒；"
            f"重复 {stats.duplicates}，乱序 {stats.reordered}，坏报文 {stats.malformed}，离线设备 {stats.silent_devices}。"
        )

    def _key(self, options: dict[str, Any]) -> None:
        from jiceng.sensing.actions import do_create_key

        gateway, key = do_create_key(options["name"])
        self.stdout.write(f"网关“{gateway.name}”的密钥（只显示这一次，请妥善保存）：")
        self.stdout.write(key)

    def _sweep(self, options: dict[str, Any]) -> None:
        from jiceng.sensing import rules

        outcome = rules.sweep()
        self.stdout.write(f"离线与无活动规则：新告警 {outcome.created}。")

    def _maintain(self, options: dict[str, Any]) -> None:
        from jiceng.sensing import storage

        report = storage.maintain()
        self.stdout.write(
            f"遥测分区：新建 {len(report['created'])}，删除 {len(report['dropped'])}；清理消息编号 {report['receipts_pruned']}。"
        )
