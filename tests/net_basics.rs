//! tcpsim::net: tokio-style programs on the simulated hosts.
#![cfg(feature = "tokio")]

use tcpsim::SimBuilder;
use tcpsim::net::{TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn an_echo_in_tokio_style() {
    let trace = SimBuilder::new()
        .server_main(|| async {
            let listener = TcpListener::bind("0.0.0.0:7").await?;
            loop {
                let (mut stream, _) = listener.accept().await?;
                tcpsim::net::spawn(async move {
                    let mut buf = vec![0; 1024];
                    loop {
                        let n = stream.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        stream
                            .write_all(&buf[..n].to_ascii_uppercase())
                            .await
                            .unwrap();
                    }
                });
            }
            #[allow(unreachable_code)]
            Ok::<_, std::io::Error>(())
        })
        .client_main(|| async {
            let mut stream = TcpStream::connect("server:7").await.unwrap();
            stream.write_all(b"hello, world").await.unwrap();
            let mut buf = [0; 12];
            stream.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"HELLO, WORLD");
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            eprintln!("time {:?}", tcpsim::net::sim_time());
        })
        .run();
    print!("{}", tcpsim::render::table(&trace));
    assert_eq!(trace.ending, tcpsim::trace::Ending::Finished);
}
