#!/usr/bin/env python3
"""Request bodies for the benchmarks, deterministic (fixed seeds), written to DIR.

    scripts/bench/bodies.py DIR proxy    # body-100k.json, body-1m.json (scripts/bench-proxy)
    scripts/bench/bodies.py DIR scan     # the scanner's other corpora (scripts/bench-scan)

proxy: prompt JSON with accented words and emoji, a few long strings (the proxy benchmark's).
scan:  other-scripts-1m.json, Chinese and Russian prose (every junction and most letters not
       ASCII); latin-extended-1m.json, Polish and Turkish prose; json-heavy-1m.json, tool calls
       and results as deep JSON with many short strings (a string boundary every ~10 bytes: the
       cost per string, not per byte).
The built-in ASCII corpus is `veil bench scan` without --file.
"""
import json, random, sys


def proxy_text(n):
    words = ("the function returns a value when the caller passes an argument and the test checks "
             "that refactor module import error handling config build deploy request response "
             "straße café naïve résumé 😀 code review diff patch commit branch merge").split()
    out, size = [], 0
    while size < n:
        w = random.choice(words); out.append(w); size += len(w) + 1
        if random.random() < 0.05: out.append('\n')
        if random.random() < 0.02: out.append('"quoted"')
    return " ".join(out)[:n]


def proxy(out):
    random.seed(7)
    for name, size in (("100k", 100 * 1024), ("1m", 1024 * 1024)):
        msgs, total = [], 0
        i = 0
        while total < size - 4096:
            chunk = proxy_text(min(8192, size - 4096 - total))
            msgs.append({"role": "user" if i % 2 == 0 else "assistant", "content": chunk}); total += len(chunk) + 40; i += 1
        body = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "system": "You are a coding agent. Today is 2026-07-01.",
                "messages": msgs, "tools": [{"name": "bash", "description": "Run a shell command", "input_schema": {"type": "object"}}]}
        open(f"{out}/body-{name}.json", "wb").write(json.dumps(body, ensure_ascii=False).encode())


def conversation(size, message):
    """A request of about `size` bytes: messages from `message(i)`, each with its weight."""
    msgs, total = [], 0
    while total < size - 4096:
        m, weight = message(len(msgs))
        msgs.append(m); total += weight
    return {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": msgs}


def prose(size, seed, even, odd):
    """A conversation of prose: user turns in words of `even`, assistant turns in those of `odd`."""
    random.seed(seed)
    def message(i):
        text = " ".join(random.choice(even if i % 2 == 0 else odd) for _ in range(random.randint(20, 200)))
        return ({"role": "user" if i % 2 == 0 else "assistant", "content": [{"type": "text", "text": text}]},
                len(text.encode()) + 60)
    return conversation(size, message)


def other_scripts(size):
    zh = "服务器 返回 一个 值 当 调用者 传递 参数 测试 检查 重构 模块 导入 错误 处理 配置 构建 部署 请求 响应 代码 审查".split()
    ru = "сервер возвращает значение когда вызывающий передаёт аргумент тест проверяет модуль ошибка сборка запрос ответ".split()
    return prose(size, 11, zh, ru)


def latin_extended(size):
    """Polish and Turkish prose: Latin letters whose lead bytes (C4 C5) also start letters the
    view changes (ı, ſ), so the kernel marks them; Turkish's ı is itself one."""
    pl = ("serwer zwraca wartość gdy wywołujący przekazuje argument test sprawdza moduł błąd budowanie "
          "żądanie odpowiedź łączność źródło").split()
    tr = "sunucu bir değer döndürür çağıran argüman geçirdiğinde test modülü kontrol eder hata işleme yapılandırma".split()
    return prose(size, 17, pl, tr)


def json_heavy(size):
    random.seed(13)
    names = "id name path kind size mode owner tags status line col".split()
    vals = "ok src lib main test a b c true ledger apply swift json read write".split()
    def message(i):
        rows = [{k: random.choice(vals) if random.random() < 0.7 else random.randint(0, 99999)
                 for k in random.sample(names, 6)} | {"tags": random.sample(vals, 3)} for _ in range(20)]
        m = {"role": "assistant", "content": [{"type": "tool_use", "id": f"toolu_{i}", "name": "query", "input": {"rows": rows}}]}
        return m, len(json.dumps(m))
    return conversation(size, message)


def scan(out):
    for name, body in (("other-scripts-1m", other_scripts(1 << 20)), ("latin-extended-1m", latin_extended(1 << 20)),
                       ("json-heavy-1m", json_heavy(1 << 20))):
        open(f"{out}/{name}.json", "wb").write(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


if __name__ == "__main__":
    {"proxy": proxy, "scan": scan}[sys.argv[2]](sys.argv[1])
