"""What the bureau and the enterprises read about the money: the stipend panels that registry's and
talent's pages show (`panels`)."""
