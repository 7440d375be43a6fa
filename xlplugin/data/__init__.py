"""The business data of the call, each with its source (see LISEZMOI.md): the règlement of the Ain call
(every number of the call, as data), the call's own text it quotes, and the Ain communes and EPCI with
their legal population (COG 2021)."""
