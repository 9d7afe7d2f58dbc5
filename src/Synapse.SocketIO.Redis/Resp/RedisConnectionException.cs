namespace Synapse.SocketIO.Redis.Resp;

/// <summary>Redis could not be reached, or the connection broke while a command was under way.</summary>
public sealed class RedisConnectionException : Exception
{
    /// <summary>Creates the error.</summary>
    public RedisConnectionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>Redis answered a command with an error reply.</summary>
public sealed class RedisServerException : Exception
{
    /// <summary>Creates the error.</summary>
    public RedisServerException(string message)
        : base(message)
    {
    }
}
