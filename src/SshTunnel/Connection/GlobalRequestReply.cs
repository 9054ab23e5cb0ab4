namespace SshTunnel.Connection;

/// <summary>The answer to a global request (RFC 4254 §4): success and the response-specific data.</summary>
internal readonly record struct GlobalRequestReply(bool Success, byte[] ResponseData)
{
    /// <summary>REQUEST_FAILURE.</summary>
    public static GlobalRequestReply Failure => new(false, []);

    /// <summary>REQUEST_SUCCESS with no data.</summary>
    public static GlobalRequestReply Succeeded => new(true, []);
}
