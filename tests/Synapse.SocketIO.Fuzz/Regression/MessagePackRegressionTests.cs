using Synapse.SocketIO.Protocol.MessagePack;

namespace Synapse.SocketIO.Fuzz.Regression;

/// <summary>Inputs the fuzzer found that made the MessagePack decoder allocate out of proportion.</summary>
public sealed class MessagePackRegressionTests
{
    // Each nested header claims as many elements as the bytes left could hold, and every level
    // counts the same bytes: sized up front, 100 levels of 1000 cost 100 x 1000 slots (or entries).
    [Theory]
    [InlineData(new byte[] { 0xdc, 0x03, 0xe8 })] // array 16 of 1000
    [InlineData(new byte[] { 0xde, 0x03, 0xe8, 0xa0 })] // map 16 of 1000, key ""
    [InlineData(new byte[] { 0x8f, 0xa0 })] // fixmap of 15, key ""
    public void Nested_containers_allocate_in_proportion_to_the_input(byte[] level)
    {
        var input = new List<byte>();
        for (var i = 0; i < 100; i++)
        {
            input.AddRange(level);
        }

        input.AddRange(Enumerable.Repeat((byte)0xc0, 2100));
        var data = input.ToArray();
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize(data)); // warm up

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize(data));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < (64 * data.Length) + (64 * 1024), $"allocated {allocated:N0} B for {data.Length} input bytes");
    }

    [Fact]
    public void Large_arrays_still_decode_whole()
    {
        var values = Enumerable.Range(0, 1000).Select(i => (object?)(long)i).ToArray();
        var decoded = Assert.IsType<object?[]>(MessagePackSerializer.Deserialize(MessagePackSerializer.Serialize(values)));
        Assert.Equal(values, decoded);

        var map = Enumerable.Range(0, 100).ToDictionary(i => "k" + i, i => (object?)(long)i);
        var decodedMap = Assert.IsType<Dictionary<string, object?>>(MessagePackSerializer.Deserialize(MessagePackSerializer.Serialize(map)));
        Assert.Equal(map, decodedMap);
    }
}
