"""socket:// (serial-over-TCP bridges such as Elfin EW10A or ser2net) against a local bridge."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from transport_fakes import PER_BYTE_2400, TcpInverter

from pyworker.errors import PortUnavailableError
from pyworker.protocol import decode, encode
from pyworker.transport import ReconnectingPort, SerialTransport, open_transport

MakeTcp = Callable[..., TcpInverter]


def test_query_through_a_tcp_bridge(tcp_inverter: MakeTcp) -> None:
    bridge = tcp_inverter(per_byte=PER_BYTE_2400)
    with open_transport(bridge.url) as transport:
        assert isinstance(transport, SerialTransport)
        started = time.monotonic()
        frame = transport.transact(encode("QPIGS"), expected_bytes=140)
        elapsed = time.monotonic() - started
        ack = transport.transact(encode("POP", "02"), expected_bytes=8)
    assert decode("QPIGS", frame).data["battery_voltage"] == 57.5
    assert decode("POP", ack).data == {"ack": True}
    assert elapsed >= 110 * PER_BYTE_2400
    assert bridge.requests == ["QPIGS", "POP02"]


def test_bridge_dropping_the_connection_is_port_unavailable(tcp_inverter: MakeTcp) -> None:
    bridge = tcp_inverter(latency=0.2)
    with open_transport(bridge.url) as transport:
        assert transport.transact(encode("QMOD"), expected_bytes=5)
        bridge.drop_connection()
        with pytest.raises(PortUnavailableError, match="unavailable"):
            transport.transact(encode("QMOD"), expected_bytes=5)


def test_no_bridge_listening_is_port_unavailable(tcp_inverter: MakeTcp) -> None:
    bridge = tcp_inverter()
    url = bridge.url
    bridge.shutdown()
    with pytest.raises(PortUnavailableError, match="cannot open"):
        open_transport(url)


def test_reconnecting_port_comes_back_when_the_bridge_does(tcp_inverter: MakeTcp) -> None:
    bridge = tcp_inverter()
    port = ReconnectingPort(bridge.url, backoff_initial=0.1, backoff_max=0.4)
    assert port.open()
    assert port.transact(encode("QMOD"), expected_bytes=5)
    bridge.shutdown()
    with pytest.raises(PortUnavailableError):
        port.transact(encode("QMOD"), expected_bytes=5)
    assert port.state == "reconnecting"
    bridge.listen()  # same port number: the bridge is back
    deadline = time.monotonic() + 3
    while not port.reconnect_if_due() and time.monotonic() < deadline:
        time.sleep(port.retry_in or 0.01)
    assert port.state == "connected"
    assert decode("QMOD", port.transact(encode("QMOD"), expected_bytes=5)).data
    assert bridge.connections == 2
    port.close()
