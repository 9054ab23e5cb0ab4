namespace SshTunnel.Tests.Keys;

/// <summary>
/// Keys made by OpenSSH 9.2p1's ssh-keygen (unencrypted, throwaway test keys): the .pub line, the SHA256 fingerprint printed by
/// <c>ssh-keygen -lf</c>, the private fields of the openssh-key-v1 private section (between the key type and the comment),
/// and an ssh-keygen <c>-Y sign -n test</c> signature blob over <see cref="SignedMessage"/> (hash sha512).
/// </summary>
internal sealed record OpenSshKeyFixture(string Name, string PublicKeyLine, string Fingerprint, string PrivateFieldsBase64, string SshSigSignatureBase64)
{
    public const string SignedMessage = "hello from ssh-keygen\n";
    public const string SshSigNamespace = "test";

    public override string ToString() => Name;

    public static OpenSshKeyFixture Get(string name) => All.Single(f => f.Name == name);

    public static TheoryData<string> Names => new(All.Select(f => f.Name));

    public static readonly OpenSshKeyFixture[] All =
    [
        new(
            "Ed25519",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAtKjn1L/FWagjydkqPxwln3tIuVHXvb57ckPWw09tpL test@Ed25519",
            "SHA256:uBnnlubmaJXSLW0h1+V3QzBSeZEbG43Qmv2qyWY2Spw",
            "AAAAIAtKjn1L/FWagjydkqPxwln3tIuVHXvb57ckPWw09tpLAAAAQJQN38KoTbrzh4w3b1pcoVaL/ArvVx8X7c9qwaXzNh7aC0qO" +
            "fUv8VZqCPJ2So/HCWfe0i5Ude9vntyQ9bDT22ks=",
            "AAAAC3NzaC1lZDI1NTE5AAAAQMpqY0fRRSXQ8K8axMgA/0F1SBS0Akab5EqG+wqSw/YOxwyaG3XBVFBt88Nqqf2Bm221FwiieBHb" +
            "zXsTY6dK3AI="),
        new(
            "Ecdsa256",
            "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBA6k9DtYt6u8WACHxmUsuKsJr6ik" +
            "/KyIVV4rpW0Qg7jHcHKtSt3NQ+Qguy723hdaCgeray6HwHxPJPAYFYVRYGQ= test@Ecdsa256",
            "SHA256:0t0b0dtqOUXfvjNXySbOm0Vsp/bPhRyKaSZyZz1glV0",
            "AAAACG5pc3RwMjU2AAAAQQQOpPQ7WLervFgAh8ZlLLirCa+opPysiFVeK6VtEIO4x3ByrUrdzUPkILsu9t4XWgoHq2suh8B8TyTw" +
            "GBWFUWBkAAAAIQCrqDORvLFWuty+m5YKoESmCL9Vb/xS1GdTAOv9ujkLvw==",
            "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAABIAAAAIHBr8TMVUaH5xwjAWvRR1DpcpAzlXYmqRKd9HyvNox+sAAAAIEYXzrMa6yJH" +
            "+P6CCfJuQZuM6CmDBao1nKTOzrzB1NJw"),
        new(
            "Ecdsa384",
            "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBLao9vOQRww2+R4bb5cGgEzNvSrz" +
            "chHSMX+WtU2W94WkPFNsW8e0JykmAQ3mrUu/WlA0sJ+3l+Qw9fDDragPU0mexBg99CDa1SRAsTnWvxI8HMS18Ye0LhHY3u6DPhIP" +
            "uA== test@Ecdsa384",
            "SHA256:THcNbdAjHQUZ+ncnZKtW41Jn7pjx+DGU7/Xlu6gTtF8",
            "AAAACG5pc3RwMzg0AAAAYQS2qPbzkEcMNvkeG2+XBoBMzb0q83IR0jF/lrVNlveFpDxTbFvHtCcpJgEN5q1Lv1pQNLCft5fkMPXw" +
            "w62oD1NJnsQYPfQg2tUkQLE51r8SPBzEtfGHtC4R2N7ugz4SD7gAAAAxAN78A/BLDFZvyaDL3DQzYpTzr5K5EuyE7dny/VvO927j" +
            "PYWYsX+VVnIjd3mPa5OnQw==",
            "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAABqAAAAMQCTq+o68NwqbZUdQa2vETiyKXA1M8KH1juHDgvool2FVQaTwHrKL6AkzMF2" +
            "Dk54jGoAAAAxAOqVXwhT5G2StYJgTzOUMW5l/1b7J+A6N1inlSmM0foz2ipnKiTgHBCw9T7rOIpFsA=="),
        new(
            "Ecdsa521",
            "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBABYhUn2MZibgv4fN98oZnHVDl8D" +
            "wiRVi+FgfGmgXksShCuk7XPtBOJQc6cDDWITBpAGtOU0Li4mb8aXPHgh1V9rYQGmY3umxs0EbrowopUlIxU0TFlYroZjkhjvlYdp" +
            "X6BXSUyptOuubM95UCOOvFPsB5ELc6ZDOdldQmKy9Hi8bNqrvg== test@Ecdsa521",
            "SHA256:O+2Bcib64v/zsiDdavLK5uwoHoH/c19m0pCbwJ2/too",
            "AAAACG5pc3RwNTIxAAAAhQQAWIVJ9jGYm4L+HzffKGZx1Q5fA8IkVYvhYHxpoF5LEoQrpO1z7QTiUHOnAw1iEwaQBrTlNC4uJm/G" +
            "lzx4IdVfa2EBpmN7psbNBG66MKKVJSMVNExZWK6GY5IY75WHaV+gV0lMqbTrrmzPeVAjjrxT7AeRC3OmQznZXUJisvR4vGzaq74A" +
            "AABCALOgMosNE7erAdBK+c2d0h2qtFfLA0Vii9p3kZ61IscZ5XwUId5IjAtAyxY3ISX8gIKIQd48XlYp/TFOFkNCKZU4",
            "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAACMAAAAQgDIm5/1m4vcxENqkgy/Et3qG5tNdUI8eEyhRM0UvbWB6thLT5PmwD0XmC3M" +
            "Opo3C+MUR+3bR4bg0Fj1A2olvytfaQAAAEIAs6lqOcND/WMnqEPxeoQHCNIfrOlm9dEWeCVKaRRrnoTAlaG+kqMlyzYWB4lPt6ru" +
            "//hJ4zCnHPktfmRoGaXGL5E="),
        new(
            "Rsa2048",
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCUbLvcXbBjBH4YCxNMfFTgfz0OcjKHQTG76v828ZfYjaIalmYbPl2WNZeJVCtY" +
            "GLAeoDaiMpqYf+9rwTkcCb7PACppyvTVjfMzlRREZ8rj8VUagYA/SsH5VgFc9sHasVZoYgoPzd5TKwsFywKI+fIECaedPLken5EK" +
            "4S6u5CGZcxJVhs83xELhD2AJmI5wbV/r695vgnrJXcp87JszGq4TWy8ixbgGwuNnxXoUp1oPFlYZR3pWuvfPw3F9bwAuQilrr5oN" +
            "kZktpzpRmr1tKJEo541itkFrJBHG+OVkmk0X+0EQ8XrZ+a15cxFKoZqew2sCfV71PFwCwM/OW6M5+1nD test@Rsa2048",
            "SHA256:xc3yP2clHCICWbZqH3D2Girr9Qy0EEygFiMTZA3+5uo",
            "AAABAQCUbLvcXbBjBH4YCxNMfFTgfz0OcjKHQTG76v828ZfYjaIalmYbPl2WNZeJVCtYGLAeoDaiMpqYf+9rwTkcCb7PACppyvTV" +
            "jfMzlRREZ8rj8VUagYA/SsH5VgFc9sHasVZoYgoPzd5TKwsFywKI+fIECaedPLken5EK4S6u5CGZcxJVhs83xELhD2AJmI5wbV/r" +
            "695vgnrJXcp87JszGq4TWy8ixbgGwuNnxXoUp1oPFlYZR3pWuvfPw3F9bwAuQilrr5oNkZktpzpRmr1tKJEo541itkFrJBHG+OVk" +
            "mk0X+0EQ8XrZ+a15cxFKoZqew2sCfV71PFwCwM/OW6M5+1nDAAAAAwEAAQAAAQAH3Y9DCU/8n1NTUNrv9bLFxthkeJbG5iSNkdF+" +
            "huUGG9NYV1oH3ZE2EZb7NxOo8n360YCzrbzVkgoNCstM+hM7gwW8X34EBya5OBA/48QzuilJY015jSukW/NsisMRJM6wb2mbFszO" +
            "WXyXDQAQZDZ4Ek7onTwuLESScAZ6TCqfqA3He2nna3Z2EmHZhtagVgktw0BUiW4L9BZx/3cUrEL04tX9odWyerL9Re3GaY6ZHdwc" +
            "7AHyQmXpraZ10PLPQYPgHLIQ4f5JA1ZmUKVNKJj0fyQbbhllRRYl11130R0LZzTS2uLHf3FG5xbnQdRghYhDymBa7q1tH7xVLd+j" +
            "J+CpAAAAgFfVcgiy+FcNyns9jQDhS3u55S2wWkY6VsLVGsSlARJk3uAkO1+wfrSh0R2/1/RO/rqC9+WwJgoup9DRRsMzb7teO954" +
            "aiEX3gX1RSxqg9UPs8clMfLye5BdWt714mNQLA2Oz+k8IN++HyvrahxlmDA9x6pmw9Kw1vL03yrc1vgyAAAAgQDJ5JvHjB+9dHIw" +
            "LNTV8DesW4N6tMQ+NYISGJOiLGJFSLuNWBaA5hYksHd7ERFvmhy7RMijNOX4Rp8d4Ojyty0CayTZPf0oLXnxURPCvcfS/V9/xcRS" +
            "70Y+lvvI+GsUCMPThp6u83j1lckvEbnC6HJ0Tai9tYjTA1WpYOJOPng7zwAAAIEAvDPMCu0SSU9csfhIK0G6MlzaC7vK8hnIOyZc" +
            "36jJY+polB7gNY55xpruiUWIbQYnJD6OsrLxzoMOWbHxjTEuIYBQzYUzWdrVPkQLLBYQwewh6xLxIjO9ustVsH7dRBP9QLgeor25" +
            "WGhRORpC5z1J5zQCZNs66q4aVCKRYBxZe80=",
            "AAAADHJzYS1zaGEyLTUxMgAAAQAo3dFaIZlusTo0b5wDYzFzpKGwtGInDS23wBUD4Dvn5UhW5sBjRpNtoreTEsifqnGWpaA4JkRw" +
            "HChr73ruHjiWBq4pk5lTG/VeO0GIoND1PQBtqMcLZ3ii1F8Q5pYIOMzAKljLK2OG1rP/KWHNVDjsxoJcShRIi0S5IYQ3TMbhs66m" +
            "eBGO32elIs/DPRtMhTXiCZ2/Qn1M8QE+bg9f9hdADN/alG9X633sxonKZ1pULdH5VdtDoSegKrXIS1GWpovz14oJ+b4Rjuub/W/0" +
            "ENA1owMH1dV8vdKQkR717DLnyJth4GgqOjYDj1qRqPtM5jorAknS8Ee6A38sZJ7dPvE5"),
        new(
            "Rsa3072",
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCqP5dpN89GFs6kvKoVEVQ8dMlfhwLXlnwwsNmhoDSXQG8Tj5Z9TcOtKbzDgBPP" +
            "ymImNOJFmGUSFMDYhZxBsyBbLmPHCYCO2sG8/I7AqUIQc9NNBQyaXdG2yLIJNb4P6TxSKk4IAsSgRTY8AdzBlTld49jGR847RvsY" +
            "017To+3BnAsBxXBZaDalQuQyjwFmHnJOu7lllhm3Bh++KxYrjFfKln9Bqki+VNcRmtPaU3ihx3JhIiEZvYxnpBMb16jzg8hD2IH+" +
            "fIwjgv6S4AMo/q7UI3trCVhgVsbgB0JuTmtlN3+dQ5y3TF3r1sPW6xwyzhU8SK3q6/a3AwC+siXqHD8+jidlJoCEGdKq5SiMDTaC" +
            "Aa9rQX2kShOph9hJseq7tm09EV2WagRovjgW07eYHbYzzzH/FGt7yvDeY/MrqR8xF+guFBDaGtQFVYPa7EszILIFT6yMAA20qFPR" +
            "6c9XoNL0/DzktjCAhfSZdfOn98Ajg2WoZPLjgSHFFR+hJrc4N5s= test@Rsa3072",
            "SHA256:Z9l7nTMCgKxMZTfOYOfkGkuWjB70dVqE/RbVnqAyouo",
            "AAABgQCqP5dpN89GFs6kvKoVEVQ8dMlfhwLXlnwwsNmhoDSXQG8Tj5Z9TcOtKbzDgBPPymImNOJFmGUSFMDYhZxBsyBbLmPHCYCO" +
            "2sG8/I7AqUIQc9NNBQyaXdG2yLIJNb4P6TxSKk4IAsSgRTY8AdzBlTld49jGR847RvsY017To+3BnAsBxXBZaDalQuQyjwFmHnJO" +
            "u7lllhm3Bh++KxYrjFfKln9Bqki+VNcRmtPaU3ihx3JhIiEZvYxnpBMb16jzg8hD2IH+fIwjgv6S4AMo/q7UI3trCVhgVsbgB0Ju" +
            "TmtlN3+dQ5y3TF3r1sPW6xwyzhU8SK3q6/a3AwC+siXqHD8+jidlJoCEGdKq5SiMDTaCAa9rQX2kShOph9hJseq7tm09EV2WagRo" +
            "vjgW07eYHbYzzzH/FGt7yvDeY/MrqR8xF+guFBDaGtQFVYPa7EszILIFT6yMAA20qFPR6c9XoNL0/DzktjCAhfSZdfOn98Ajg2Wo" +
            "ZPLjgSHFFR+hJrc4N5sAAAADAQABAAABgAVleUnUgwrDCPnKdnmvJZm6T0e/4nnYQ0d9KOjT8ywi1rfVV/0mIeBd76XNbCispD/M" +
            "cqpSEky9wP8b/RVNYDvY/0Cn2cita8avGrdF+4TEpxtMiwG5nOl2TcO3owv4u04Uw98XzLO9KI2ZDC5L/0LX818Vl5aOwWwgBw7I" +
            "+22k9z8EdciKYnEKlcEkgfQtXYzcARxp4uwc6D9W45+twHqjb+qHmJav3xanxF9UlgD1bs1gD5HeoudbbrT147JpqDol5j7WS0pg" +
            "wM+QflF4NMnEk41hHnsQ7oUOisemNlIb4hoAvQdoJywGxb36XXT9AQ8auMPMiAHuiSiH8cH4Xba2TwD3rl/Q+rFYwJ2x8o3JCML2" +
            "gtXkoeAhZdWdvn5AtuzhN5+E7F0RYLKfmm0XfElkP7GIZoQA7LKQ4hmZRbKxb+P8M7ZkmUc1Vg74QxBYzkUU/hnh/oHQ/NrWfVfN" +
            "BRXBpkPpU1wiZ83/L0AokmkyVJWTrKP9F5L9mOW06qQngQAAAMEApDOMGRJ7OUXSEJyaGhtxH0HmV9mTntl3JgbKY/vi4ightkaN" +
            "VUdxyF7LTCX2ZPxL958RhY/693MeucS+N1oz+9eNGHypqUckOL75Eb+OQ/kasqXa5onsMnk45nycFUfiyWIP970Rf9n37ayYt1N2" +
            "VhlDElDOe43910IjWYFOGa5H7bqWDknOpmWVatlbUS8pAC3+oG23qA06NKKI+mufy2NHiTIHlCu0Qb/GE6pgRDPKzfnXSlBoyjU1" +
            "mQTcTi2HAAAAwQDel6grpvJ62o+C4FyOtuCR5N+DdRkLOpvX5wCoNlJUKhdiHIkwlZ8+t/jhPk1DVh/6t3D3rRmXeS+cMF0GZHSA" +
            "RKyzuJH+S9ck5q9qfAnvVHRk4A8qNV+Ca8XIr6ikgyb4mPzMpYdA25/TtGhGrKKWJCYDy6uBYuItvbcgwjkxZMlQuH81lhsR9xdu" +
            "rXgvkzb2z7vj3gDbor06VnPuJUwpAWzvMnlQX6nHobbTuWIjsM8w+JW5FNOo4pebndDkm/kAAADBAMPMzBhFunBLCiKR0mWNsHBp" +
            "qSMkXglFDQvGO8C2vvu/qTshm+NnuJMVX5IWiAgkEf9gSfLr6NCE1dm+oI+oDo3P1yBWrix/ddB/DYhwnAKf75sCZrRQNrASdttE" +
            "yqKisq6ZV9MQ6LMsJ2D9fwwxz3tszXzAXS0VfFmIaWpx/nxbDxRkJoTulKlFIKMBHtn/WxyOqiQDcJv1pjktIcjSVs3HYS8TFiVA" +
            "bPJ81WSIUfNoYuIx7H0F/epEIGz+LS2NMw==",
            "AAAADHJzYS1zaGEyLTUxMgAAAYCC93D5X/aPrXMh5EMe6i1KcAffZfUVXTMB4gBx5M4369Ly2NUFthKVz1IXFvtK4FJ/V6e78YWq" +
            "WYsVS60KVfwZGAP51tzASZvJOqNrT4p2GLJokvJ+RMyp5MzpaX1P8RKs/9owFCl1V3Ws1kKE60gcGlQxEJDooAC7OP0xjE4pmIQv" +
            "AB8s28VmJtK+tYC/QecSfvnI412hUCx4gIu8/tjBpHgQ92tMBXi3YEyEhpQtwL18PkM1nMn2bRP58QIwkwe1l34Ty1c4izF6alB5" +
            "SBRk6BFm86usB1NUsmZl8sYIpPpFIaFSQdBBbaDU8dCmUWYHjLF7oRSmiVa7AXrfvv0RU5E/td12PlN1qeDdjdr01IuC/zeO8yI/" +
            "CaiOYpleEeivLFEae6gCCiT5RNHzBbMA4+plcGcd2rqcXGHsL0c6arC4Lj7GuK+Al0n4Xl3ArImi3vJqB+KmfRnMtxjnmEWCDs/w" +
            "JsoDQMbgLyastxAUqSodlN/6JK2CKCYZkJilt6o="),
    ];
}
