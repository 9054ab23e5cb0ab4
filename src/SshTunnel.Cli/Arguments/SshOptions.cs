using SshTunnel.Forwarding;

namespace SshTunnel.Cli.Arguments;

/// <summary>
/// OpenSSH's client <c>Options</c>: every keyword's value, filled first-wins (command line, then config files in
/// order). Values are stored in the form <c>ssh -G</c> prints them (e.g. <c>yes</c>/<c>no</c> for flags,
/// <c>true</c>/<c>false</c>/<c>ask</c>/<c>accept-new</c> for StrictHostKeyChecking, seconds for times). Keywords are
/// lowercase. Forwards and identity files accumulate instead (exact duplicate forwards are dropped).
/// </summary>
internal sealed class SshOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _lists = new(StringComparer.Ordinal);
    private readonly List<ForwardSpec> _localForwards = [];
    private readonly List<ForwardSpec> _remoteForwards = [];

    /// <summary>Local and dynamic forwards, in order (OpenSSH keeps both in one list).</summary>
    public IReadOnlyList<ForwardSpec> LocalForwards => _localForwards;

    /// <summary>Remote forwards (including reverse dynamic ones), in order.</summary>
    public IReadOnlyList<ForwardSpec> RemoteForwards => _remoteForwards;

    /// <summary>A deep copy (so a parsed command line can be resolved more than once).</summary>
    public SshOptions Clone()
    {
        var copy = new SshOptions();
        foreach ((string k, string v) in _values)
        {
            copy._values[k] = v;
        }

        foreach ((string k, List<string> v) in _lists)
        {
            copy._lists[k] = [.. v];
        }

        copy._localForwards.AddRange(_localForwards);
        copy._remoteForwards.AddRange(_remoteForwards);
        return copy;
    }

    /// <summary>Whether a single-valued keyword has a value.</summary>
    public bool IsSet(string keyword) => _values.ContainsKey(keyword);

    /// <summary>The value of a single-valued keyword, or <see langword="null"/>.</summary>
    public string? Get(string keyword) => _values.GetValueOrDefault(keyword);

    /// <summary>Sets a value unless one is already set (first wins). Returns whether it was set.</summary>
    public bool SetIfUnset(string keyword, string value) => _values.TryAdd(keyword, value);

    /// <summary>Sets a value unconditionally (command-line flags such as <c>-4</c>, <c>-C</c>, <c>-N</c>).</summary>
    public void Set(string keyword, string value) => _values[keyword] = value;

    /// <summary>Removes a value.</summary>
    public void Unset(string keyword) => _values.Remove(keyword);

    /// <summary>The values of a list keyword (IdentityFile, UserKnownHostsFile, SendEnv, ...); empty when unset.</summary>
    public IReadOnlyList<string> GetList(string keyword) =>
        _lists.TryGetValue(keyword, out List<string>? list) ? list : [];

    /// <summary>Whether a list keyword has values.</summary>
    public bool IsListSet(string keyword) => _lists.TryGetValue(keyword, out List<string>? l) && l.Count > 0;

    /// <summary>Sets a whole list unless already set (first wins, e.g. UserKnownHostsFile).</summary>
    public bool SetListIfUnset(string keyword, IEnumerable<string> values)
    {
        if (IsListSet(keyword))
        {
            return false;
        }

        _lists[keyword] = [.. values];
        return true;
    }

    /// <summary>Appends to an accumulating list (IdentityFile, CertificateFile, SendEnv).</summary>
    public void AddToList(string keyword, string value)
    {
        if (!_lists.TryGetValue(keyword, out List<string>? list))
        {
            _lists[keyword] = list = [];
        }

        list.Add(value);
    }

    /// <summary>Adds a forward unless an identical one is present (OpenSSH's add_local_forward/add_remote_forward).</summary>
    public void AddForward(ForwardSpec forward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        List<ForwardSpec> list = forward.Kind == ForwardSpecKind.Remote ? _remoteForwards : _localForwards;
        if (!list.Contains(forward))
        {
            list.Add(forward);
        }
    }

    /// <summary>Drops every forward (ClearAllForwardings).</summary>
    public void ClearForwards()
    {
        _localForwards.Clear();
        _remoteForwards.Clear();
    }
}
