"""Parses a captured message with Python's email package (an independent MIME reader) and
prints what the tests check, as JSON: decoded headers, the part tree, every part's
decoded content, and any defects the parser found."""
import email, email.policy, json, sys

raw = open(sys.argv[1], "rb").read()
message = email.message_from_bytes(raw, policy=email.policy.default)

def tree(part):
    if part.is_multipart():
        return [part.get_content_type()] + [tree(p) for p in part.iter_parts()]
    return part.get_content_type()

parts, defects = [], list(map(str, message.defects))
for part in message.walk():
    defects += [str(d) for d in part.defects]
    if part.is_multipart():
        continue
    payload = part.get_payload(decode=True) or b""
    parts.append({
        "type": part.get_content_type(), "charset": part.get_content_charset(), "filename": part.get_filename(),
        "disposition": part.get_content_disposition(), "encoding": part.get("Content-Transfer-Encoding"),
        "content": payload.decode(part.get_content_charset() or "utf-8", errors="replace"),
    })
print(json.dumps({
    "subject": str(message["Subject"]), "raw_subject": message.get("Subject").__class__.__name__ and raw.split(b"\r\n\r\n")[0].decode("ascii", "replace"),
    "from": str(message["From"]), "to": [str(a) for a in message["To"].addresses], "date": str(message["Date"]),
    "date_parsed": message["Date"].datetime.isoformat() if message["Date"] else None,
    "message_id": str(message["Message-ID"]), "mime_version": str(message["MIME-Version"]),
    "tree": tree(message), "parts": parts, "defects": defects,
    "max_line": max(len(line) for line in raw.split(b"\r\n")), "bare_lf": raw.replace(b"\r\n", b"").count(b"\n"),
    "ascii_only": all(b < 0x80 for b in raw),
}, ensure_ascii=False))
