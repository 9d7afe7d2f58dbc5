namespace Synapse.Server.Domain;

/// <summary>
/// Why an operation was refused. One shape for every transport: REST answers
/// <c>{"error":{"code","message"}}</c> with the status of <see cref="Code"/>, socket acks
/// <c>{"success":false,"error":{"code","message"}}</c>.
/// </summary>
/// <param name="Code">One of <see cref="ErrorCodes"/>.</param>
/// <param name="Message">A human-readable explanation that reveals nothing secret.</param>
public sealed record AppError(string Code, string Message)
{
    /// <summary>For <see cref="ErrorCodes.RateLimited"/>: when trying again may succeed.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The input is malformed or out of range.</summary>
    public static AppError Validation(string message) => new(ErrorCodes.Validation, message);

    /// <summary>No valid credentials or token.</summary>
    public static AppError Unauthenticated(string message) => new(ErrorCodes.Unauthenticated, message);

    /// <summary>Authenticated, but not allowed to do this.</summary>
    public static AppError Forbidden(string message) => new(ErrorCodes.Forbidden, message);

    /// <summary>The thing does not exist (or the caller may not know it does).</summary>
    public static AppError NotFound(string message) => new(ErrorCodes.NotFound, message);

    /// <summary>The request conflicts with the current state.</summary>
    public static AppError Conflict(string message) => new(ErrorCodes.Conflict, message);

    /// <summary>Too many attempts; <paramref name="retryAfter"/> says when to try again.</summary>
    public static AppError RateLimited(string message, TimeSpan? retryAfter = null) => new(ErrorCodes.RateLimited, message) { RetryAfter = retryAfter };

    /// <summary>Something failed on the server; details are in the server log only.</summary>
    public static AppError Internal() => new(ErrorCodes.Internal, "An unexpected error occurred.");

    /// <summary>The wire shape.</summary>
    public ErrorBody ToBody() => new(Code, Message);
}

/// <summary>
/// The <c>{code, message}</c> error shape on the wire: under <c>error</c> in REST error bodies and
/// failed acks, and as the payload of the socket <c>error</c> event.
/// </summary>
/// <param name="Code">One of <see cref="ErrorCodes"/>.</param>
/// <param name="Message">The explanation.</param>
public sealed record ErrorBody(string Code, string Message);

/// <summary>The error codes of the REST and real-time API.</summary>
public static class ErrorCodes
{
    /// <summary>400: invalid input.</summary>
    public const string Validation = "VALIDATION_ERROR";

    /// <summary>401: missing, invalid or expired credentials.</summary>
    public const string Unauthenticated = "UNAUTHENTICATED";

    /// <summary>403: not allowed.</summary>
    public const string Forbidden = "FORBIDDEN";

    /// <summary>404: no such thing.</summary>
    public const string NotFound = "NOT_FOUND";

    /// <summary>409: conflicts with the current state (a taken user name, an existing member).</summary>
    public const string Conflict = "CONFLICT";

    /// <summary>429: too many attempts.</summary>
    public const string RateLimited = "RATE_LIMITED";

    /// <summary>500: a server fault.</summary>
    public const string Internal = "INTERNAL_ERROR";
}
