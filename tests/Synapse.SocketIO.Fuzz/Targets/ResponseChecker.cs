using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Synapse.SocketIO.Fuzz.Fuzzing;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>
/// Checks what the server sent on one fuzzing connection: zero or more complete HTTP/1.1 responses,
/// none of them a 500 (an exception escaped our code), and after a 101 only well-formed server
/// frames (final, unmasked, RSV clear, known opcodes, valid UTF-8 text) ending, if at all, with a
/// close frame whose status may appear on the wire. When the 101 negotiated permessage-deflate, data
/// frames may carry RSV1, and must then inflate (text to valid UTF-8).
/// </summary>
internal static class ResponseChecker
{
    /// <summary>The server's messages after a 101, inflated, are added to <paramref name="frames"/> when given.</summary>
    public static void Check(byte[] response, List<ServerFrame>? frames = null)
    {
        var pos = 0;
        while (pos < response.Length)
        {
            var headEnd = response.AsSpan(pos).IndexOf("\r\n\r\n"u8);
            if (headEnd < 0)
            {
                throw Fail("an incomplete HTTP response head", response, pos);
            }

            var head = Encoding.Latin1.GetString(response, pos, headEnd).Split("\r\n");
            pos += headEnd + 4;
            var statusParts = head[0].Split(' ', 3);
            if (statusParts.Length < 2 || statusParts[0] != "HTTP/1.1" || !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            {
                throw Fail($"a malformed status line '{head[0]}'", response, 0);
            }

            // Kestrel answers malformed HTTP with 4xx (and 505 for an unknown version); a 500 is an exception escaping our code.
            if (status == 500)
            {
                throw Fail($"status {status}", response, 0);
            }

            string? Header(string name) => head.Skip(1).Where(h => h.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
                .Select(h => h[(name.Length + 1)..].Trim()).FirstOrDefault();

            if (status == 101)
            {
                var extensions = Header("Sec-WebSocket-Extensions");
                using var inflater = extensions is not null && extensions.Contains("permessage-deflate", StringComparison.OrdinalIgnoreCase)
                    ? new MessageInflater(keepContext: !extensions.Contains("server_no_context_takeover", StringComparison.OrdinalIgnoreCase))
                    : null;
                CheckFrames(response, pos, inflater, frames);
                return;
            }

            if (status is 204 or 304 || status < 200)
            {
                continue;
            }

            if (Header("Content-Length") is { } length)
            {
                pos += int.Parse(length, CultureInfo.InvariantCulture);
                if (pos > response.Length)
                {
                    throw Fail("a body shorter than its Content-Length", response, 0);
                }
            }
            else if (string.Equals(Header("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase))
            {
                while (true)
                {
                    var lineEnd = response.AsSpan(pos).IndexOf("\r\n"u8);
                    if (lineEnd < 0 || !int.TryParse(Encoding.Latin1.GetString(response, pos, lineEnd).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size))
                    {
                        throw Fail("a malformed chunked body", response, pos);
                    }

                    pos += lineEnd + 2 + size + 2;
                    if (pos > response.Length)
                    {
                        throw Fail("a truncated chunked body", response, 0);
                    }

                    if (size == 0)
                    {
                        break;
                    }
                }
            }
            else
            {
                // Delimited by the end of the connection.
                return;
            }
        }
    }

    private static void CheckFrames(byte[] data, int pos, MessageInflater? inflater, List<ServerFrame>? frames)
    {
        var closed = false;
        while (pos < data.Length)
        {
            if (closed)
            {
                throw Fail("data after the server's close frame", data, pos);
            }

            if (data.Length - pos < 2)
            {
                throw Fail("a truncated frame header", data, pos);
            }

            var b0 = data[pos];
            var b1 = data[pos + 1];
            var opcode = b0 & 0x0F;
            // RSV1 marks a compressed message: only on data frames, and only when negotiated (every server frame is final, so a first frame).
            var compressed = (b0 & 0x40) != 0 && inflater is not null && opcode is 1 or 2;
            if ((b0 & 0x80) == 0 || (b0 & (compressed ? 0x30 : 0x70)) != 0 || (b1 & 0x80) != 0 || opcode is not (1 or 2 or 8 or 9 or 10))
            {
                throw Fail($"a bad server frame header {b0:x2} {b1:x2}", data, pos);
            }

            long length = b1 & 0x7F;
            var header = 2;
            if (length == 126)
            {
                length = data.Length - pos >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(pos + 2)) : long.MaxValue;
                header = 4;
            }
            else if (length == 127)
            {
                length = data.Length - pos >= 10 ? (long)BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(pos + 2)) : long.MaxValue;
                header = 10;
            }

            if (length < 0 || pos + header + length > data.Length)
            {
                throw Fail("a truncated server frame", data, pos);
            }

            ReadOnlySpan<byte> payload = data.AsSpan(pos + header, (int)length);
            if (compressed)
            {
                payload = inflater!.Inflate(payload.ToArray(), 16 * 1024 * 1024)
                    ?? throw Fail("a compressed frame that does not inflate", data, pos);
            }

            frames?.Add(new ServerFrame(opcode, compressed, payload.ToArray()));
            if (opcode == 1 && !Utf8.IsValid(payload))
            {
                throw Fail("a text frame with invalid UTF-8", data, pos);
            }

            if (opcode == 8)
            {
                closed = true;
                if (payload.Length == 1)
                {
                    throw Fail("a close frame with a one-byte body", data, pos);
                }

                if (payload.Length >= 2)
                {
                    var code = BinaryPrimitives.ReadUInt16BigEndian(payload);
                    if (code is not ((>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999)))
                    {
                        throw Fail($"a close frame with status {code}, which may not appear on the wire", data, pos);
                    }
                }
            }

            pos += header + (int)length;
        }
    }

    private static FuzzPropertyException Fail(string what, byte[] response, int at)
    {
        var excerpt = Encoding.Latin1.GetString(response, at, Math.Min(300, response.Length - at)).ReplaceLineEndings("\\n");
        return new FuzzPropertyException($"the server sent {what}: {excerpt}");
    }
}

/// <summary>A frame the server sent, its payload inflated if it was compressed.</summary>
internal readonly record struct ServerFrame(int Opcode, bool Compressed, byte[] Payload)
{
    /// <summary>The status of a close frame with a body, otherwise null.</summary>
    public int? CloseStatus => Opcode == 8 && Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : null;

    public string Text => Encoding.UTF8.GetString(Payload);
}
