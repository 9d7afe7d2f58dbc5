using System.Diagnostics.CodeAnalysis;

namespace Synapse.Server.Domain;

/// <summary>The outcome of an operation: a value, or the <see cref="AppError"/> that refused it.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public readonly struct Result<T>
{
    private Result(T? value, AppError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The value, when <see cref="IsSuccess"/>.</summary>
    public T? Value { get; }

    /// <summary>The refusal, when not <see cref="IsSuccess"/>.</summary>
    public AppError? Error { get; }

    /// <summary>Whether the operation succeeded.</summary>
    [MemberNotNullWhen(false, nameof(Error))]
    [MemberNotNullWhen(true, nameof(Value))]
    public bool IsSuccess => Error is null;

    /// <summary>A success.</summary>
    public static Result<T> Success(T value) => new(value, null);

    /// <summary>A refusal.</summary>
    public static Result<T> Failure(AppError error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));

    /// <summary>Wraps a value.</summary>
    public static implicit operator Result<T>(T value) => Success(value);

    /// <summary>Wraps a refusal.</summary>
    public static implicit operator Result<T>(AppError error) => Failure(error);
}
