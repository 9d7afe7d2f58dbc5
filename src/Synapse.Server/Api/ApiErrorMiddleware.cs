using Synapse.Server.Domain;

namespace Synapse.Server.Api;

/// <summary>
/// Gives every API failure the one error shape: malformed requests (bad JSON, unparsable
/// parameters, wrong content type) become 400/415 errors, unexpected exceptions a logged 500,
/// and bodiless error statuses under <c>/api</c> (401 challenges, 403, 404 and 405 from routing)
/// get their JSON body.
/// </summary>
public sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    /// <summary>Runs the rest of the pipeline.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            Log.BadRequest(logger, context.Request.Method, context.Request.Path, ex.Message);
            var error = ex.StatusCode == StatusCodes.Status400BadRequest
                ? AppError.Validation("The request is malformed: check the JSON body and the parameters.")
                : ApiErrors.ForStatus(ex.StatusCode);
            await ApiErrors.WriteAsync(context, error, ex.StatusCode);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            Log.Unhandled(logger, context.Request.Method, context.Request.Path, ex);
            await ApiErrors.WriteAsync(context, AppError.Internal(), StatusCodes.Status500InternalServerError);
            return;
        }

        var response = context.Response;
        if (!response.HasStarted && response.StatusCode >= 400 && context.Request.Path.StartsWithSegments("/api"))
        {
            var error = context.Items.TryGetValue(typeof(AppError), out var item) && item is AppError given ? given : ApiErrors.ForStatus(response.StatusCode);
            await ApiErrors.WriteAsync(context, error, response.StatusCode);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Malformed request {Method} {Path}: {Reason}")]
        public static partial void BadRequest(ILogger logger, string method, string path, string reason);

        [LoggerMessage(2, LogLevel.Error, "Request {Method} {Path} failed.")]
        public static partial void Unhandled(ILogger logger, string method, string path, Exception exception);
    }
}
