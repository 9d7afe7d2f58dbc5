using System.Text;
using Synapse.SocketIO.Protocol.Json;

namespace Synapse.SocketIO.Tests.Protocol;

public class JsonStringifyEscapingTests
{
    private static string Canonicalize(string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        return Encoding.UTF8.GetString(bytes, 0, JsonStringifyEscaping.Canonicalize(bytes));
    }

    [Theory]
    [InlineData("[\"plain\",1]", "[\"plain\",1]")]
    [InlineData("\"\\u00E9\\u00e9\"", "\"éé\"")]
    [InlineData("\"\\u003C\\u003E\\u0026\\u0027\\u002B\\u0060\"", "\"<>&'+`\"")]
    [InlineData("\"\\uD83D\\uDE00\"", "\"😀\"")]
    [InlineData("\"\\u2028\\u007F\\uFEFF\"", "\"\u2028\u007f\uFEFF\"")]
    [InlineData("\"\\uD800\"", "\"\\ud800\"")]
    [InlineData("\"\\uDE00\\uD83D\"", "\"\\ude00\\ud83d\"")]
    [InlineData("\"\\uD83D\\u0041\"", "\"\\ud83dA\"")]
    [InlineData("\"\\uD83D\\uD83D\\uDE00\"", "\"\\ud83d😀\"")]
    [InlineData("\"\\u001F\\u0000\\u000B\"", "\"\\u001f\\u0000\\u000b\"")]
    [InlineData("\"\\u0008\\u0009\\u000A\\u000C\\u000D\"", "\"\\b\\t\\n\\f\\r\"")]
    [InlineData("\"\\b\\t\\n\\f\\r\"", "\"\\b\\t\\n\\f\\r\"")]
    [InlineData("\"\\u0022\\u005C\\u005c\\\"\\\\\"", "\"\\\"\\\\\\\\\\\"\\\\\"")]
    [InlineData("\"\\/\"", "\"/\"")]
    [InlineData("{\"k\\u00E9\":\"a\\\\u0041\"}", "{\"ké\":\"a\\\\u0041\"}")]
    [InlineData("\"a\\", "\"a\\")]
    [InlineData("\"a\\u00", "\"a\\u00")]
    public void Rewrites_escapes_to_json_stringify_form(string json, string expected)
    {
        Assert.Equal(expected, Canonicalize(json));
    }

    [Fact]
    public void Writes_quoted_strings_with_lone_surrogates()
    {
        string text = "a\"\\\u0001\u001f\u007fé😀\uDFFF\uD800\u2028";
        byte[] buffer = new byte[(text.Length * 6) + 2];

        int length = JsonStringifyEscaping.WriteQuoted(text, buffer);

        Assert.Equal("\"a\\\"\\\\\\u0001\\u001f\u007fé😀\\udfff\\ud800\u2028\"", Encoding.UTF8.GetString(buffer, 0, length));
    }
}
