using System.Text;

namespace Synapse.SocketIO.Fuzz.Targets;

/// <summary>Helpers for writing seed corpora.</summary>
internal static class Corpus
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[][] Utf8(params string[] texts) => [.. texts.Select(Utf8)];

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>Socket.IO packet texts (what follows the Engine.IO type digit), valid ones and edge cases.</summary>
    public static readonly string[] SocketIOTexts =
    [
        "0", "0/admin,", "0{\"token\":\"abc\"}", "0/admin,{\"token\":\"abc\"}", "1", "1/admin,",
        "2[\"hello\"]", "2[\"hello\",1,2.5,true,null,\"x\"]", "21[\"hello\",{\"a\":[1,2,{\"b\":null}]}]",
        "2/admin,42[\"ev\",\"\\u00e9\\ud83d\\ude00\"]", "2[42,\"numeric event\"]", "23 [\"spaced id\"]",
        "3[\"ok\"]", "31[]", "3/admin,9007199254740991[{\"x\":1}]",
        "4{\"message\":\"not authorized\",\"data\":{\"code\":1}}", "4\"error text\"", "4/admin,{\"message\":\"m\"}",
        "51-[\"upload\",{\"_placeholder\":true,\"num\":0}]",
        "52-/admin,7[\"two\",{\"_placeholder\":true,\"num\":1},{\"nested\":[{\"_placeholder\":true,\"num\":0}]}]",
        "61-[{\"_placeholder\":true,\"num\":0}]", "61-/admin,3[{\"_placeholder\":true,\"num\":0},\"x\"]",
        "5 1-[\"ws\",{\"_placeholder\":true,\"num\":0}]", "50-[\"no attachment\"]",
        "2[\"deep\",[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", "2[\"obj\",{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}]",
        "2[\"big\",1e308,-1e-308,123456789012345678901234567890]",
    ];

    /// <summary>Dictionary tokens of the Socket.IO text format and JSON.</summary>
    public static readonly byte[][] SocketIOTokens = Utf8(
        "{\"_placeholder\":true,\"num\":0}", "{\"_placeholder\":true,\"num\":", "\"_placeholder\"", "\"num\"", "true", "false", "null",
        "[", "]", "{", "}", "[[[[[[[[", "{\"a\":", ",", ":", "\"", "\\u0000", "\\ud800", "-", "/", "/admin,", "1-", "10-", "11-", "99999-",
        "1e999", "-0", "0x1F", " ", "\u00a0", "\ufeff", "\u2028", "\"\\", "1.5", "\u00ff");
}
