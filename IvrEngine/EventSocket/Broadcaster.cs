using System.Collections.Immutable;

namespace IvrEngine.EventSocket;

/// <summary>A minimal multicast <see cref="IObservable{T}"/> fed by one read loop. An observer that throws is
/// dropped (and reported) instead of tearing down the connection that feeds everybody else.</summary>
internal sealed class Broadcaster<T>(Action<Exception>? onObserverFault = null) : IObservable<T>
{
    private ImmutableArray<IObserver<T>> _observers = [];
    private volatile bool _completed;

    public bool HasObservers => !_observers.IsEmpty;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_completed)
        {
            observer.OnCompleted();
            return NoopDisposable.Instance;
        }

        ImmutableInterlocked.Update(ref _observers, static (list, o) => list.Add(o), observer);
        if (_completed)
        {
            Remove(observer);
            observer.OnCompleted();
        }

        return new Subscription(this, observer);
    }

    public void OnNext(T value)
    {
        foreach (var observer in _observers)
        {
            try
            {
                observer.OnNext(value);
            }
#pragma warning disable CA1031 // An observer's bug must not end the connection for every other observer.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Remove(observer);
                onObserverFault?.Invoke(ex);
            }
        }
    }

    public void OnCompleted()
    {
        _completed = true;
        var observers = ImmutableInterlocked.InterlockedExchange(ref _observers, []);
        foreach (var observer in observers)
        {
            try
            {
                observer.OnCompleted();
            }
#pragma warning disable CA1031
            catch (Exception ex)
#pragma warning restore CA1031
            {
                onObserverFault?.Invoke(ex);
            }
        }
    }

    private void Remove(IObserver<T> observer) =>
        ImmutableInterlocked.Update(ref _observers, static (list, o) => list.Remove(o), observer);

    private sealed class Subscription(Broadcaster<T> owner, IObserver<T> observer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Remove(observer);
        }
    }

    private sealed class NoopDisposable : IDisposable
    {
        public static readonly NoopDisposable Instance = new();

        public void Dispose() { }
    }
}
