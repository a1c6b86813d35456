#!/usr/bin/env python3
"""Run a tcpsim scenario's programs on real sockets, as the course's Python
programs do: the server (listen, accept, then loop: sleep, recv(n), send the
reply, until end of stream; close) or the client (its steps in order).

Only what the course programs use is supported: an echo server (recv, sleep,
transform, times, backlog) and client steps connect, send, send_bytes, recv,
recv_all, sleep, repeat, shutdown and close.

usage: course.py server|client SCENARIO.toml [HOST]     (HOST: 127.0.0.1)
"""
import socket
import sys
import time
import tomllib

UNITS = {'us': 1e-6, 'µs': 1e-6, 'ms': 1e-3, 's': 1.0, 'min': 60.0}
SIZES = {'B': 1, 'KiB': 1024, 'MiB': 1 << 20}


def seconds(text):
    """A duration as the scenario format writes it ("5ms"), in seconds."""
    for unit in sorted(UNITS, key=len, reverse=True):
        if text.endswith(unit):
            return float(text[:-len(unit)].strip()) * UNITS[unit]
    raise SystemExit(f'unsupported duration {text!r}')


def size(value):
    if isinstance(value, int):
        return value
    for unit in sorted(SIZES, key=len, reverse=True):
        if value.endswith(unit):
            return int(float(value[:-len(unit)].strip()) * SIZES[unit])
    return int(value)


def generated(n):
    """send_bytes: the alphabet repeated, as tcpsim's generated payload."""
    alphabet = b'abcdefghijklmnopqrstuvwxyz'
    return (alphabet * (n // 26 + 1))[:n]


def serve(scenario, host):
    server = scenario['server']
    echo = server.get('echo', {})
    recv_size = size(echo.get('recv', 1024))
    pause = seconds(echo.get('sleep', '0ms'))
    times = echo.get('times', 1)
    transform = {'none': bytes, 'upper': bytes.upper, 'lower': bytes.lower}[
        echo.get('transform', 'none')]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, server['port']))
    ls.listen(server.get('backlog', 5))
    print('listening', flush=True)
    conn, _ = ls.accept()
    while True:
        if pause:
            time.sleep(pause)
        try:
            data = conn.recv(recv_size)
            if not data:
                break
            conn.sendall(transform(data) * times)
        except (ConnectionResetError, BrokenPipeError):
            break  # the course's server dies here; its socket closes all the same
    conn.close()
    ls.close()


def run_steps(conn, steps, address):
    for step in steps:
        if step == 'connect':
            conn.connect(address)
        elif step == 'close':
            conn.close()
        elif step == 'shutdown':
            conn.shutdown(socket.SHUT_WR)
        elif 'send' in step:
            conn.sendall(step['send'].encode())
        elif 'send_bytes' in step:
            conn.sendall(generated(size(step['send_bytes'])))
        elif 'recv' in step:
            conn.recv(size(step['recv']))
        elif 'recv_all' in step:
            while conn.recv(size(step['recv_all'])):
                pass
        elif 'sleep' in step:
            time.sleep(seconds(step['sleep']))
        elif 'repeat' in step:
            for _ in range(step['repeat']['times']):
                run_steps(conn, step['repeat']['steps'], address)
        else:
            raise SystemExit(f'unsupported step {step!r}')


def client(scenario, host):
    conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    run_steps(conn, scenario['client']['steps'], (host, scenario['server']['port']))


if __name__ == '__main__':
    role, path = sys.argv[1], sys.argv[2]
    host = sys.argv[3] if len(sys.argv) > 3 else '127.0.0.1'
    with open(path, 'rb') as f:
        scenario = tomllib.load(f)
    {'server': serve, 'client': client}[role](scenario, host)
