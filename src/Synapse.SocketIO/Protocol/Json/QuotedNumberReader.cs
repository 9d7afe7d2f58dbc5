using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synapse.SocketIO.Protocol.Json;

/// <summary>
/// Reads a floating-point value for the number converters that replace System.Text.Json's own, keeping
/// what those honour: <see cref="JsonNumberHandling.AllowReadingFromString"/> (on in the Web defaults)
/// and named literals.
/// </summary>
internal static class QuotedNumberReader
{
    public static T Read<T>(ref Utf8JsonReader reader, JsonSerializerOptions options)
        where T : INumberBase<T>
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return T.CreateChecked(reader.GetDouble());
        }

        string text = JsonStringReader.GetString(ref reader);
        if ((options.NumberHandling & JsonNumberHandling.AllowNamedFloatingPointLiterals) != 0
            && text is "NaN" or "Infinity" or "-Infinity")
        {
            return T.CreateChecked(double.Parse(text, CultureInfo.InvariantCulture));
        }

        if ((options.NumberHandling & JsonNumberHandling.AllowReadingFromString) != 0
            && T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out T? value))
        {
            return value;
        }

        throw new JsonException($"The JSON value could not be converted to {typeof(T).Name}.");
    }

    public static T ReadPropertyName<T>(ref Utf8JsonReader reader)
        where T : INumberBase<T>
    {
        string text = JsonStringReader.GetString(ref reader);
        if (text is "NaN" or "Infinity" or "-Infinity")
        {
            return T.CreateChecked(double.Parse(text, CultureInfo.InvariantCulture));
        }

        return T.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
