using System.Globalization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Synapse.Server.Domain;

namespace Synapse.Server.Api;

/// <summary>The REST error body: <c>{"error":{"code","message"}}</c>.</summary>
/// <param name="Error">The error.</param>
public sealed record ErrorResponse(ErrorBody Error);

/// <summary>Maps <see cref="AppError"/>s to HTTP responses.</summary>
public static class ApiErrors
{
    /// <summary>The HTTP status of an error code.</summary>
    public static int StatusOf(string code) => code switch
    {
        ErrorCodes.Validation => StatusCodes.Status400BadRequest,
        ErrorCodes.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.Conflict => StatusCodes.Status409Conflict,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The error for a response that has a status but no body (routing, authentication, ...).</summary>
    public static AppError ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => AppError.Validation("The request is malformed."),
        StatusCodes.Status401Unauthorized => AppError.Unauthenticated("An access token is required."),
        StatusCodes.Status403Forbidden => AppError.Forbidden("You are not allowed to do this."),
        StatusCodes.Status404NotFound => AppError.NotFound("No such resource."),
        StatusCodes.Status405MethodNotAllowed => new AppError("METHOD_NOT_ALLOWED", "This method is not allowed on this resource."),
        StatusCodes.Status409Conflict => AppError.Conflict("The request conflicts with the current state."),
        StatusCodes.Status413PayloadTooLarge => AppError.Validation("The request body is too large."),
        StatusCodes.Status415UnsupportedMediaType => AppError.Validation("The request body must be JSON (Content-Type: application/json)."),
        StatusCodes.Status429TooManyRequests => AppError.RateLimited("Too many requests."),
        >= 500 => AppError.Internal(),
        _ => new AppError("HTTP_" + status.ToString(CultureInfo.InvariantCulture), "The request failed."),
    };

    /// <summary>The response for an error, with its status (and <c>Retry-After</c> when rate limited).</summary>
    public static IResult ToHttpResult(this AppError error) => new ErrorResult(error, StatusOf(error.Code));

    /// <summary>Writes an error response now.</summary>
    public static Task WriteAsync(HttpContext context, AppError error, int status) => new ErrorResult(error, status).ExecuteAsync(context);

    private sealed class ErrorResult(AppError error, int status) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            if (error.RetryAfter is { } retryAfter)
            {
                httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            var options = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            return httpContext.Response.WriteAsJsonAsync(new ErrorResponse(error.ToBody()), options);
        }
    }
}
