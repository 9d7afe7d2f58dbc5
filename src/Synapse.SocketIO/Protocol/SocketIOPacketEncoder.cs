using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Synapse.SocketIO.Protocol.Json;

namespace Synapse.SocketIO.Protocol;

/// <summary>
/// Encodes Socket.IO packets into Engine.IO messages, byte for byte as socket.io-parser with
/// <c>JSON.stringify</c> would: compact JSON, JavaScript's number layout, JSON.stringify's minimal string
/// escaping. Binary values (<c>byte[]</c>, <c>ReadOnlyMemory&lt;byte&gt;</c>, <c>Memory&lt;byte&gt;</c>,
/// <c>ArraySegment&lt;byte&gt;</c>) anywhere in the arguments become numbered placeholders and
/// attachments, and the packet becomes BINARY_EVENT / BINARY_ACK.
/// </summary>
/// <remarks>
/// Thread-safe. Each packet is written into a per-thread reusable buffer and copied once into an
/// exactly sized array that all recipients share.
/// </remarks>
public sealed class SocketIOPacketEncoder
{
    // Buffers that grew past this for one big packet are not kept by the thread.
    private const int MaxRetainedBufferSize = 256 * 1024;

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [ThreadStatic]
    private static Scratch? t_scratch;

    private readonly bool _writesPrimitivesDirectly;

    /// <summary>Creates an encoder.</summary>
    /// <param name="serializerOptions">
    /// How to serialize arguments. Null means <see cref="JsonSerializerDefaults.Web"/> (camelCase
    /// properties). The options are copied; indentation and the text encoder are overridden, because the
    /// wire format is fixed.
    /// </param>
    public SocketIOPacketEncoder(JsonSerializerOptions? serializerOptions = null)
    {
        SerializerOptions = SocketIOJsonSerializerOptions.Create(serializerOptions);

        // Without user converters, strings and common numbers need not go through the serializer.
        _writesPrimitivesDirectly = serializerOptions is null || serializerOptions.Converters.Count == 0;
    }

    /// <summary>An encoder with the default options.</summary>
    public static SocketIOPacketEncoder Default { get; } = new();

    /// <summary>
    /// The options arguments are serialized with. Deserialize received arguments with them too, through
    /// <see cref="SocketIOPacket.Deserialize(JsonElement, Type, JsonSerializerOptions)"/>, so binary
    /// placeholders resolve to attachments.
    /// </summary>
    public JsonSerializerOptions SerializerOptions { get; }

    /// <summary>Encodes a CONNECT packet: <c>40/admin,{"sid":"..."}</c>.</summary>
    /// <param name="namespace">The namespace.</param>
    /// <param name="data">The payload (an object, such as <c>new { sid }</c>), or null for none.</param>
    public EncodedSocketIOPacket EncodeConnect(string @namespace, object? data = null)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        Scratch scratch = RentScratch();
        try
        {
            if (data is not null)
            {
                WriteValue(scratch.Writer, data);
            }

            return Complete(scratch, SocketIOPacketType.Connect, @namespace, null);
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    /// <summary>Encodes a DISCONNECT packet: <c>41/admin,</c>.</summary>
    public EncodedSocketIOPacket EncodeDisconnect(string @namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        Scratch scratch = RentScratch();
        try
        {
            return Complete(scratch, SocketIOPacketType.Disconnect, @namespace, null);
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    /// <summary>Encodes a CONNECT_ERROR packet: <c>44{"message":"Not authorized","data":{...}}</c>.</summary>
    /// <param name="namespace">The namespace.</param>
    /// <param name="message">The error message.</param>
    /// <param name="data">Additional details, omitted when null (as JavaScript omits an undefined <c>data</c>).</param>
    public EncodedSocketIOPacket EncodeConnectError(string @namespace, string message, object? data = null)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(message);
        Scratch scratch = RentScratch();
        try
        {
            Utf8JsonWriter writer = scratch.Writer;
            writer.WriteStartObject();
            writer.WritePropertyName("message"u8);
            JsonStringifyEscaping.WriteStringValue(writer, message);
            if (data is not null)
            {
                writer.WritePropertyName("data"u8);
                WriteValue(writer, data);
            }

            writer.WriteEndObject();
            return Complete(scratch, SocketIOPacketType.ConnectError, @namespace, null);
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    /// <summary>Encodes an EVENT packet: <c>42/admin,12["hello",1,{"a":true}]</c>, or BINARY_EVENT if the arguments hold binary data.</summary>
    /// <param name="namespace">The namespace.</param>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">The arguments: anything System.Text.Json can serialize.</param>
    /// <param name="ackId">The acknowledgement id, if the sender wants an answer.</param>
    /// <exception cref="JsonException">An argument cannot be serialized (a cycle, for example).</exception>
    /// <exception cref="NotSupportedException">An argument's type is not serializable.</exception>
    public EncodedSocketIOPacket EncodeEvent(string @namespace, string eventName, ReadOnlySpan<object?> args, long? ackId = null)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(eventName);
        ThrowIfInvalidAckId(ackId);
        Scratch scratch = RentScratch();
        try
        {
            using (BinaryAttachmentScope.Collect(scratch.Attachments))
            {
                Utf8JsonWriter writer = scratch.Writer;
                writer.WriteStartArray();
                JsonStringifyEscaping.WriteStringValue(writer, eventName);
                foreach (object? arg in args)
                {
                    WriteValue(writer, arg);
                }

                writer.WriteEndArray();
            }

            var type = scratch.Attachments.Count > 0 ? SocketIOPacketType.BinaryEvent : SocketIOPacketType.Event;
            return Complete(scratch, type, @namespace, ackId);
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    /// <summary>Encodes an ACK packet: <c>43/admin,12["done"]</c>, or BINARY_ACK if the arguments hold binary data.</summary>
    /// <param name="namespace">The namespace.</param>
    /// <param name="ackId">The id of the event being answered.</param>
    /// <param name="args">The arguments: anything System.Text.Json can serialize.</param>
    /// <exception cref="JsonException">An argument cannot be serialized (a cycle, for example).</exception>
    /// <exception cref="NotSupportedException">An argument's type is not serializable.</exception>
    public EncodedSocketIOPacket EncodeAck(string @namespace, long ackId, ReadOnlySpan<object?> args)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ThrowIfInvalidAckId(ackId);
        Scratch scratch = RentScratch();
        try
        {
            using (BinaryAttachmentScope.Collect(scratch.Attachments))
            {
                Utf8JsonWriter writer = scratch.Writer;
                writer.WriteStartArray();
                foreach (object? arg in args)
                {
                    WriteValue(writer, arg);
                }

                writer.WriteEndArray();
            }

            var type = scratch.Attachments.Count > 0 ? SocketIOPacketType.BinaryAck : SocketIOPacketType.Ack;
            return Complete(scratch, type, @namespace, ackId);
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    /// <summary>
    /// Serializes arguments as an ACK packet would carry them and returns the decoded form: the
    /// JSON array (binary values as placeholders) and the attachments, for arguments that did not
    /// come from a client (a cluster adapter's remote acknowledgements and server-side events).
    /// </summary>
    internal SocketIOPacket ToPacket(string @namespace, ReadOnlySpan<object?> args)
    {
        Scratch scratch = RentScratch();
        try
        {
            using (BinaryAttachmentScope.Collect(scratch.Attachments))
            {
                Utf8JsonWriter writer = scratch.Writer;
                writer.WriteStartArray();
                foreach (object? arg in args)
                {
                    WriteValue(writer, arg);
                }

                writer.WriteEndArray();
            }

            scratch.Writer.Flush();
            using var document = JsonDocument.Parse(scratch.Buffer.WrittenMemory);
            var type = scratch.Attachments.Count > 0 ? SocketIOPacketType.BinaryAck : SocketIOPacketType.Ack;
            return new SocketIOPacket(type, @namespace, null, document.RootElement.Clone(), [.. scratch.Attachments]);
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    private void WriteValue(Utf8JsonWriter writer, object? value)
    {
        if (_writesPrimitivesDirectly)
        {
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    return;
                case string text:
                    JsonStringifyEscaping.WriteStringValue(writer, text);
                    return;
                case bool flag:
                    writer.WriteBooleanValue(flag);
                    return;
                case int number:
                    writer.WriteNumberValue(number);
                    return;
                case long number:
                    writer.WriteNumberValue(number);
                    return;
                case double number:
                    JsDoubleConverter.WriteNumber(writer, number);
                    return;
            }
        }

        if (value is null)
        {
            JsonSerializer.Serialize<object?>(writer, null, SerializerOptions);
            return;
        }

        JsonSerializer.Serialize(writer, value, value.GetType(), SerializerOptions);
    }

    private static EncodedSocketIOPacket Complete(Scratch scratch, SocketIOPacketType type, string @namespace, long? ackId)
    {
        scratch.Writer.Flush();
        Span<byte> payload = scratch.Buffer.WrittenSpan;
        payload = payload[..JsonStringifyEscaping.Canonicalize(payload)];

        int attachmentCount = scratch.Attachments.Count;
        bool binary = type is SocketIOPacketType.BinaryEvent or SocketIOPacketType.BinaryAck;
        bool writesNamespace = @namespace.Length > 0 && @namespace != "/";

        // Engine.IO message digit, Socket.IO type digit.
        int headerLength = 2;
        if (binary)
        {
            headerLength += CountDigits(attachmentCount) + 1;
        }

        if (writesNamespace)
        {
            headerLength += Encoding.UTF8.GetByteCount(@namespace) + 1;
        }

        if (ackId is { } id)
        {
            headerLength += CountDigits(id);
        }

        var text = new byte[headerLength + payload.Length];
        Span<byte> header = text;
        header[0] = (byte)'4';
        header[1] = (byte)('0' + (int)type);
        int pos = 2;
        if (binary)
        {
            attachmentCount.TryFormat(header[pos..], out int written, default, CultureInfo.InvariantCulture);
            pos += written;
            header[pos++] = (byte)'-';
        }

        if (writesNamespace)
        {
            pos += Encoding.UTF8.GetBytes(@namespace, header[pos..]);
            header[pos++] = (byte)',';
        }

        if (ackId is { } value)
        {
            value.TryFormat(header[pos..], out int written, default, CultureInfo.InvariantCulture);
            pos += written;
        }

        payload.CopyTo(header[pos..]);
        return new EncodedSocketIOPacket(type, text, [.. scratch.Attachments]);
    }

    private static int CountDigits(long value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private static void ThrowIfInvalidAckId(long? ackId)
    {
        if (ackId is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ackId), ackId, "An acknowledgement id cannot be negative.");
        }
    }

    // Taking the thread's scratch out of the slot while it is used makes a nested encode (from a
    // custom converter, say) get its own.
    private static Scratch RentScratch()
    {
        Scratch? scratch = t_scratch;
        if (scratch is null)
        {
            return new Scratch();
        }

        t_scratch = null;
        return scratch;
    }

    private static void ReturnScratch(Scratch scratch)
    {
        if (scratch.Buffer.Capacity > MaxRetainedBufferSize)
        {
            scratch.Buffer.Dispose();
            return;
        }

        scratch.Clear();
        t_scratch = scratch;
    }

    private sealed class Scratch
    {
        public Scratch()
        {
            Buffer = new PooledBufferWriter(1024);
            Writer = new Utf8JsonWriter(Buffer, s_writerOptions);
        }

        public PooledBufferWriter Buffer { get; }

        public Utf8JsonWriter Writer { get; }

        public List<ReadOnlyMemory<byte>> Attachments { get; } = [];

        public void Clear()
        {
            // Also drops whatever an exception left unflushed in the writer.
            Writer.Reset();
            Buffer.Reset();
            Attachments.Clear();
        }
    }
}
