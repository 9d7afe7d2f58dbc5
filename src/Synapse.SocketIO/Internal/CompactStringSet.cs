namespace Synapse.SocketIO.Internal;

/// <summary>
/// A set of strings (ordinal) that holds a single member without any collection: most sets of the
/// in-memory adapter have exactly one (each socket's own room has one member, a socket mostly
/// belongs to its own room only), and a <see cref="HashSet{T}"/> with its two arrays costs about
/// 180 bytes for that one string (benchmark S1: memory per idle connection).
/// </summary>
/// <remarks>
/// A mutable struct: keep it in a field or a dictionary value and change it through a reference
/// (never through a copy). Not thread-safe; a copy is a snapshot only while the original is not
/// changed (the adapter reads and changes its sets under one lock).
/// </remarks>
internal struct CompactStringSet
{
    // null: empty; a string: that single member; a HashSet<string>: two or more members.
    private object? _items;

    /// <summary>Wraps an existing set (read-only use: the set is not copied).</summary>
    public static CompactStringSet Over(HashSet<string> set) => new() { _items = set };

    public readonly int Count => _items switch
    {
        null => 0,
        string => 1,
        _ => ((HashSet<string>)_items).Count,
    };

    public readonly bool Contains(string item) => _items switch
    {
        null => false,
        string one => string.Equals(one, item, StringComparison.Ordinal),
        _ => ((HashSet<string>)_items).Contains(item),
    };

    public bool Add(string item)
    {
        switch (_items)
        {
            case null:
                _items = item;
                return true;
            case string one:
                if (string.Equals(one, item, StringComparison.Ordinal))
                {
                    return false;
                }

                _items = new HashSet<string>(StringComparer.Ordinal) { one, item };
                return true;
            default:
                return ((HashSet<string>)_items).Add(item);
        }
    }

    public bool Remove(string item)
    {
        switch (_items)
        {
            case null:
                return false;
            case string one:
                if (!string.Equals(one, item, StringComparison.Ordinal))
                {
                    return false;
                }

                _items = null;
                return true;
            default:
                var set = (HashSet<string>)_items;
                if (!set.Remove(item))
                {
                    return false;
                }

                if (set.Count == 0)
                {
                    _items = null;
                }

                return true;
        }
    }

    /// <summary>A new <see cref="HashSet{T}"/> with the members (ordinal).</summary>
    public readonly HashSet<string> ToHashSet() => _items switch
    {
        null => new HashSet<string>(StringComparer.Ordinal),
        string one => new HashSet<string>(1, StringComparer.Ordinal) { one },
        _ => new HashSet<string>((HashSet<string>)_items, StringComparer.Ordinal),
    };

    /// <summary>Adds the members to <paramref name="target"/>.</summary>
    public readonly void CopyTo(HashSet<string> target)
    {
        switch (_items)
        {
            case null:
                break;
            case string one:
                target.Add(one);
                break;
            default:
                target.UnionWith((HashSet<string>)_items);
                break;
        }
    }

    public readonly Enumerator GetEnumerator() => new(_items);

    /// <summary>Allocation-free enumeration; the set must not change meanwhile.</summary>
    public struct Enumerator
    {
        private readonly string? _one;
        private HashSet<string>.Enumerator _many;
        private readonly bool _isMany;
        private int _state;

        internal Enumerator(object? items)
        {
            _one = items as string;
            if (items is HashSet<string> set)
            {
                _many = set.GetEnumerator();
                _isMany = true;
            }
        }

        public readonly string Current => _isMany ? _many.Current : _one!;

        public bool MoveNext()
        {
            if (_isMany)
            {
                return _many.MoveNext();
            }

            if (_state == 0 && _one is not null)
            {
                _state = 1;
                return true;
            }

            return false;
        }
    }
}
