using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LoadGen;

/// <summary>
/// The long-polling start of a Socket.IO connection, by hand over one keep-alive HTTP/1.1
/// connection: GET (open), POST "40" (connect), GET (the CONNECT answer). The caller then
/// upgrades with WsConn.UpgradeAsync, as the official client does.
/// </summary>
public static class PollingClient
{
    public static async Task<(string Sid, long ConnectedAtUs)> ConnectAsync(IPEndPoint ep, CancellationToken ct)
    {
        using var s = WsConn.NewSocket();
        await s.ConnectAsync(ep, ct);
        var buf = new byte[8192];
        var reader = new Reader(s, buf);
        var host = ep.ToString();
        await SendAsync(s, $"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: {host}\r\n\r\n", ct);
        var open = await reader.ReadResponseAsync(ct);
        var at = open.IndexOf("\"sid\":\"", StringComparison.Ordinal);
        if (!open.StartsWith('0') || at < 0)
        {
            throw new IOException("bad open packet: " + open);
        }

        var sid = open.Substring(at + 7, open.IndexOf('"', at + 7) - at - 7);
        var q = "/socket.io/?EIO=4&transport=polling&sid=" + Uri.EscapeDataString(sid);
        await SendAsync(s, $"POST {q} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 2\r\n\r\n40", ct);
        var ok = await reader.ReadResponseAsync(ct);
        if (ok != "ok")
        {
            throw new IOException("POST answered " + ok);
        }

        while (true)
        {
            await SendAsync(s, $"GET {q} HTTP/1.1\r\nHost: {host}\r\n\r\n", ct);
            var body = await reader.ReadResponseAsync(ct);
            foreach (var packet in body.Split('\u001e'))
            {
                if (packet.StartsWith("40", StringComparison.Ordinal))
                {
                    return (sid, Clock.NowUs());
                }

                if (packet.StartsWith("44", StringComparison.Ordinal))
                {
                    throw new IOException("connect_error " + packet);
                }
            }
        }
    }

    private static async Task SendAsync(Socket s, string text, CancellationToken ct) =>
        await s.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, ct);

    private sealed class Reader(Socket s, byte[] buf)
    {
        private int _start;
        private int _end;

        public async Task<string> ReadResponseAsync(CancellationToken ct)
        {
            int headEnd;
            while ((headEnd = buf.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
            {
                await FillAsync(ct);
            }

            var head = Encoding.ASCII.GetString(buf, _start, headEnd);
            _start += headEnd + 4;
            if (!head.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
            {
                throw new IOException("HTTP " + head.Split('\r')[0]);
            }

            var lines = head.Split("\r\n");
            var length = -1;
            var chunked = false;
            foreach (var line in lines)
            {
                if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
                {
                    length = int.Parse(line[15..].Trim());
                }
                else if (line.StartsWith("transfer-encoding:", StringComparison.OrdinalIgnoreCase) && line.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = true;
                }
            }

            if (!chunked)
            {
                return Encoding.UTF8.GetString(await TakeAsync(Math.Max(0, length), ct));
            }

            var body = new List<byte>();
            while (true)
            {
                var line = Encoding.ASCII.GetString(await TakeLineAsync(ct));
                var size = Convert.ToInt32(line.Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    await TakeLineAsync(ct);
                    return Encoding.UTF8.GetString(body.ToArray());
                }

                body.AddRange(await TakeAsync(size, ct));
                await TakeLineAsync(ct);
            }
        }

        private async Task<byte[]> TakeAsync(int n, CancellationToken ct)
        {
            while (_end - _start < n)
            {
                await FillAsync(ct);
            }

            var data = buf.AsSpan(_start, n).ToArray();
            _start += n;
            return data;
        }

        private async Task<byte[]> TakeLineAsync(CancellationToken ct)
        {
            int at;
            while ((at = buf.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
            {
                await FillAsync(ct);
            }

            var data = buf.AsSpan(_start, at).ToArray();
            _start += at + 2;
            return data;
        }

        private async Task FillAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(buf, _start, buf, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == buf.Length)
            {
                throw new IOException("response too large");
            }

            var n = await s.ReceiveAsync(buf.AsMemory(_end), SocketFlags.None, ct);
            if (n == 0)
            {
                throw new IOException("connection closed");
            }

            _end += n;
        }
    }
}
